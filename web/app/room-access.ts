/**
 * How the room page gets into a session (docs/access-api.md), as a Lit ReactiveController:
 *
 *   owner secret (#owner= or stored) ──POST token──▶ interviewer ──renew before expiresAt──┐
 *        │ 401 (rotated): forget it                      ▲                                 │
 *        ▼                                               └─────────────────────────────────┘
 *   GET info ──200──▶ candidate, no token (an ordinary session: the link is the capability)
 *        │ 401 private
 *        ▼
 *   password form ──POST token──▶ candidate with a token ──4401 (access changed)──▶ GET info again
 *        ▲ 401 "Wrong password"
 *
 * 410 (ended, expired) is final. Other failures let the room try anyway, so the element explains
 * (4404, server down) with its usual status.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { Role } from '../../shared/roles.js';
import type { IssuedToken } from '../../shared/protocol/rest.js';
import { requestToken } from '../api/access-client.js';
import { ApiError, getSessionDetails } from '../api/sessions-client.js';
import { forgetOwnerSecret, loadOwnerSecret, takeOwnerSecretFromUrl } from './owner-secrets.js';

/** Where the page is in getting access. */
export type AccessPhase = 'resolving' | 'password' | 'ready' | 'failed';

/** What the room page renders from. */
export interface AccessState {
  phase: AccessPhase;
  /** Candidate until the owner secret proved otherwise. */
  role: Role;
  /** The token for the room and REST calls; '' for an ordinary session's candidate. */
  token: string;
  /** Why the password form or failure shows (`Wrong password.`, ...); '' when nothing to say. */
  message: string;
  /** The room was shown once: keep it (and its document) while signing in again. */
  entered: boolean;
}

/** Renew an interviewer token this long before it expires. */
const RENEW_BEFORE_MS = 60_000;
/** setTimeout's largest delay (about 24.8 days); longer lifetimes renew in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves and keeps the page's access to one session. */
export class RoomAccess implements ReactiveController {
  /** The current state; the host re-renders on every change. */
  state: AccessState = { phase: 'resolving', role: 'candidate', token: '', message: '', entered: false };

  private sessionId = '';
  // Bumped on every start/stop, so answers to an abandoned attempt are ignored.
  private generation = 0;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Stops renewing when the page goes away. */
  hostDisconnected(): void {
    this.stop();
  }

  /** Resumes after the page was put back into the DOM. */
  hostConnected(): void {
    const stale = this.state.role === 'interviewer' || this.state.phase === 'resolving';
    if (this.sessionId && this.renewTimer === undefined && stale) void this.resolve(this.sessionId);
  }

  /** Starts resolving access to `sessionId` (takes the `#owner=` fragment out of the address bar). */
  start(sessionId: string): void {
    this.stop();
    this.sessionId = sessionId;
    this.state = { phase: 'resolving', role: 'candidate', token: '', message: '', entered: false };
    this.host.requestUpdate();
    void this.resolve(sessionId, takeOwnerSecretFromUrl(sessionId));
  }

  /** Signs in as a candidate with the session password. */
  async submitPassword(password: string): Promise<void> {
    const generation = this.generation;
    this.update({ message: '' });
    try {
      const token = await requestToken(this.sessionId, { password });
      if (generation === this.generation) this.admit(token);
    } catch (error) {
      if (generation !== this.generation) return;
      this.update({ phase: 'password', message: passwordFailure(error) });
    }
  }

  /**
   * The room was refused with 4401/4403: renew the interviewer's token, or check again what a
   * candidate needs. Resolves when settled; `state.phase` is then `ready` (reconnect the room),
   * `password` or `failed`.
   */
  async authRequired(closeCode: number): Promise<void> {
    if (this.state.phase !== 'ready') return;
    const generation = ++this.generation;
    this.clearRenewal();
    const changed = closeCode === CloseCode.Unauthorized ? 'Access to this session changed. ' : '';
    await this.resolve(this.sessionId, null, changed, generation);
  }

  private async resolve(sessionId: string, fromUrl: string | null = null, note = '', generation = this.generation): Promise<void> {
    const secret = fromUrl ?? loadOwnerSecret(sessionId);
    if (secret) {
      try {
        const token = await requestToken(sessionId, { ownerSecret: secret });
        if (generation === this.generation) this.admit(token);
        return;
      } catch (error) {
        if (generation !== this.generation) return;
        if (error instanceof ApiError && error.status === 401) {
          forgetOwnerSecret(sessionId);
          note = 'Your interviewer link no longer works (a new one was issued). ';
        }
        // Anything else (server without roles, a blip): carry on as a candidate.
      }
    }
    try {
      await getSessionDetails(sessionId, null);
      if (generation === this.generation) this.update({ phase: 'ready', role: 'candidate', token: '', message: '', entered: true });
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof ApiError && error.status === 401) {
        this.update({ phase: 'password', role: 'candidate', token: '', message: note ? `${note}Enter the session password to continue.` : '' });
      } else if (error instanceof ApiError && error.status === 410) {
        const ended = error.code === ErrorCode.SessionEnded;
        this.update({ phase: 'failed', message: ended ? 'This session was ended by the interviewer.' : 'This session has expired.' });
      } else {
        // 404, network trouble: let the room connect and explain in its own status.
        this.update({ phase: 'ready', role: 'candidate', token: '', message: '', entered: true });
      }
    }
  }

  private admit(token: IssuedToken): void {
    this.update({ phase: 'ready', role: token.role, token: token.token, message: '', entered: true });
    this.clearRenewal();
    // Only the interviewer renews silently (from the stored secret); a candidate signs in again on 4401.
    if (token.role !== 'interviewer') return;
    const lifetime = Date.parse(token.expiresAt) - Date.now();
    if (!Number.isFinite(lifetime)) return;
    // A minute early, or at 80 % of a short lifetime (TOKEN_TTL may be seconds in tests).
    const due = Math.max(lifetime - RENEW_BEFORE_MS, lifetime * 0.8);
    const generation = this.generation;
    this.renewTimer = setTimeout(() => {
      this.renewTimer = undefined;
      if (generation === this.generation) void this.resolve(this.sessionId);
    }, Math.min(Math.max(due, 1_000), MAX_TIMER_MS));
  }

  private stop(): void {
    this.generation++;
    this.clearRenewal();
  }

  private clearRenewal(): void {
    clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
  }

  private update(change: Partial<AccessState>): void {
    this.state = { ...this.state, ...change, entered: this.state.entered || change.entered === true };
    this.host.requestUpdate();
  }
}

/** The sentence for a failed password sign-in. */
function passwordFailure(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return 'Wrong password.';
  if (error instanceof ApiError && error.status === 429) return 'Too many attempts. Wait a minute, then try again.';
  if (error instanceof ApiError && error.status === 410) return 'This session has ended.';
  return `Could not sign in: ${error instanceof Error ? error.message : String(error)}`;
}
