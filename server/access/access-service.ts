import type { Language } from '../../shared/languages.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { SessionDetails } from '../../shared/protocol/rest.js';
import type { Logger } from '../logger.js';
import type { LiveSession, Participant } from '../sessions/live-session.js';
import { SessionError } from '../sessions/session-error.js';
import type { SessionHub, SessionSummary } from '../sessions/session-hub.js';
import type { SessionAccess, SessionRecord, Storage } from '../storage/storage.js';
import { authorize, epochOf, isPrivate, type Grant, type Presented } from './authorize.js';
import type { CredentialThrottle } from './credential-throttle.js';
import { hashOwnerSecret, hashPassword, newOwnerSecret } from './credentials.js';
import type { Role } from '../../shared/roles.js';
import type { TokenSigner } from './tokens.js';
import type { RunRecord } from '../../shared/runs.js';
import { readRunViews } from '../../shared/read-runs.js';

/** Options of the access service. */
export interface AccessServiceOptions {
  hub: SessionHub;
  storage: Storage;
  signer: TokenSigner;
  logger: Logger;
  maxParticipants: number;
  /** Limits guessing of passwords and owner secrets; without it, checks are not limited. */
  credentialThrottle?: CredentialThrottle;
  /** Tells other instances that a session's access changed (Redis), when there are any. */
  announce?: (sessionId: string) => void;
}

/**
 * What REST reports about a session to a caller with a given role: the hub's summary plus the
 * access fields of `GET /api/sessions/:id` (shared/protocol/rest.ts), typed from that shared response.
 */
export interface SessionView extends SessionSummary, Pick<SessionDetails, 'private' | 'readOnly' | 'ended' | 'role'> {}

/** A change an interviewer makes to a session's access. */
export interface AccessPatch {
  readOnly?: boolean;
  password?: string | null;
  rotateOwnerSecret?: boolean;
}

/**
 * Everything about who may do what: creating sessions with an owner secret (and optional
 * password), exchanging credentials for tokens, admitting connections, and changes of access that
 * take effect on connections already open, on this instance and (through `announce`) on others.
 */
export class AccessService {
  constructor(private readonly options: AccessServiceOptions) {}

  /** Creates a session; returns its record and the owner secret (shown once, stored hashed). */
  async create(language: Language, code: string, password: string | undefined): Promise<{ record: SessionRecord; ownerSecret: string }> {
    const ownerSecret = newOwnerSecret();
    const access: SessionAccess = {
      ownerSecretHash: hashOwnerSecret(ownerSecret),
      passwordHash: password === undefined ? null : await hashPassword(password),
      readOnly: false,
      endedAt: null,
      candidateEpoch: 0,
      ownerEpoch: 0,
    };
    return { record: await this.options.hub.create(language, code, access), ownerSecret };
  }

  /** Exchanges credentials (or a still-valid token) for a fresh signed token. */
  async token(id: string, presented: Presented): Promise<{ token: string; role: Role; expiresAt: number }> {
    const { grant } = await this.reader(id, presented);
    const { token, claims } = this.options.signer.issue(id, grant.role, grant.epoch);
    return { token, role: grant.role, expiresAt: claims.exp };
  }

  /** The session as the caller may see it; throws SessionError when refused. */
  async view(id: string, presented: Presented): Promise<SessionView> {
    const { record, grant } = await this.reader(id, presented);
    return this.describe(record, grant.role);
  }

  /** The session's code, if the caller may read it. */
  async code(id: string, presented: Presented): Promise<string> {
    await this.reader(id, presented);
    return this.options.hub.code(id);
  }

  /** The session's code runs, if the caller may read it. */
  async runs(id: string, presented: Presented): Promise<RunRecord[]> {
    await this.reader(id, presented);
    // The writer's client id is for the element's rendering; the API reports the run itself.
    return this.options.hub.read(id, (doc) => readRunViews(doc).map(({ clientId: _clientId, ...run }) => run));
  }

  /**
   * Admits a WebSocket client: checks its credentials and the session's limits, then loads the
   * document. Nobody joins an ended session.
   */
  async admit(id: string, presented: Presented): Promise<{ live: LiveSession; grant: Grant }> {
    const record = await this.options.hub.record(id);
    const grant = await this.grant(record, presented, { endedAllowsInterviewer: false });
    const live = await this.options.hub.open(id);
    if (!hasRoom(await this.options.hub.participants(live), grant.role, this.options.maxParticipants)) {
      throw new SessionError(ErrorCode.SessionFull, `the session is full (${this.options.maxParticipants} participants)`);
    }
    return { live, grant };
  }

  /** Applies an interviewer's change; returns the new view (and a new owner secret when rotated). */
  async update(id: string, presented: Presented, patch: AccessPatch): Promise<SessionView & { ownerSecret?: string }> {
    const record = await this.options.hub.record(id);
    await this.requireInterviewer(record, presented);
    const access = { ...record.access };
    let ownerSecret: string | undefined;
    if (patch.readOnly !== undefined) access.readOnly = patch.readOnly;
    if (patch.password !== undefined) {
      access.passwordHash = patch.password === null ? null : await hashPassword(patch.password);
      // Setting or changing a password revokes candidates; removing one lets everyone stay.
      if (patch.password !== null) access.candidateEpoch++;
    }
    if (patch.rotateOwnerSecret) {
      ownerSecret = newOwnerSecret();
      access.ownerSecretHash = hashOwnerSecret(ownerSecret);
      access.ownerEpoch++;
    }
    const updated = await this.save(record, access);
    return { ...(await this.describe(updated, 'interviewer')), ...(ownerSecret ? { ownerSecret } : {}) };
  }

  /** Ends a session for good: everyone is disconnected, only the interviewer can still read it. */
  async end(id: string, presented: Presented): Promise<void> {
    const record = await this.options.hub.record(id);
    await this.requireInterviewer(record, presented);
    if (record.access.endedAt !== null) return;
    await this.save(record, { ...record.access, endedAt: Date.now() });
    this.options.logger.info({ sessionId: id }, 'session ended by the interviewer');
  }

  /** Re-reads a session's access after another instance changed it, and enforces it here. */
  async refresh(id: string): Promise<void> {
    const live = await this.options.hub.settled(id);
    if (!live) return;
    const stored = await this.options.storage.getSession(id);
    if (!stored) return;
    this.enforce(live, stored.access);
  }

  /** The record and the caller's grant for reading a session (the interviewer still reads an ended one). */
  private async reader(id: string, presented: Presented): Promise<{ record: SessionRecord; grant: Grant }> {
    const record = await this.options.hub.record(id);
    return { record, grant: await this.grant(record, presented, { endedAllowsInterviewer: true }) };
  }

  private async grant(record: SessionRecord, presented: Presented, options: { endedAllowsInterviewer: boolean }): Promise<Grant> {
    const grant = await authorize(record, presented, this.options.signer, this.options.credentialThrottle);
    if (record.access.endedAt !== null && !(options.endedAllowsInterviewer && grant.role === 'interviewer')) {
      throw new SessionError(ErrorCode.SessionEnded, 'the session was ended by the interviewer');
    }
    return grant;
  }

  private async requireInterviewer(record: SessionRecord, presented: Presented): Promise<void> {
    if (!presented.token && presented.ownerSecret === undefined) {
      throw new SessionError(ErrorCode.Unauthorized, "this needs the interviewer's token (Authorization: Bearer …)");
    }
    const grant = await authorize(record, presented, this.options.signer, this.options.credentialThrottle);
    if (grant.role !== 'interviewer') throw new SessionError(ErrorCode.Forbidden, 'only the interviewer can do this');
  }

  private async save(record: SessionRecord, access: SessionAccess): Promise<SessionRecord> {
    try {
      await this.options.storage.updateAccess(record.id, access);
    } catch (error) {
      this.options.logger.error({ err: error, sessionId: record.id }, 'storing an access change failed');
      throw new SessionError(ErrorCode.Unavailable, 'the change could not be stored; nothing changed');
    }
    const live = await this.options.hub.settled(record.id);
    if (live) this.enforce(live, access);
    this.options.announce?.(record.id);
    return { ...record, access };
  }

  /** Why `participant` may no longer stay in `live` under its current access, or null. */
  revoked(live: LiveSession, participant: Participant): SessionError | null {
    const access = live.access;
    if (access.endedAt !== null) return new SessionError(ErrorCode.SessionEnded, 'session ended by the interviewer');
    if (participant.epoch !== epochOf(access, participant.role)) return new SessionError(ErrorCode.Unauthorized, "the session's access changed; sign in again");
    return null;
  }

  /** Makes open connections obey `access`: revoked or ended ones are closed, the lock mirrored. */
  private enforce(live: LiveSession, access: SessionAccess): void {
    live.setAccess(access);
    for (const participant of [...live.participants]) {
      const revoked = this.revoked(live, participant);
      if (revoked) participant.close(revoked.closeCode, revoked.message);
    }
  }

  private async describe(record: SessionRecord, role: Role): Promise<SessionView> {
    const info = await this.options.hub.describe(record.id);
    return { ...info, private: isPrivate(record), readOnly: record.access.readOnly, ended: record.access.endedAt !== null, role };
  }
}

/** Places beyond MAX_PARTICIPANTS that only interviewers can take. */
export const INTERVIEWER_PLACES = 2;

/**
 * Whether a participant of `role` may join a session that has `participants` (over every
 * instance) under `max`: candidates while fewer than `max` are in, interviewers in
 * INTERVIEWER_PLACES more, so a crowd of candidate sockets cannot lock the interviewer out of
 * their own interview.
 */
function hasRoom(participants: number, role: Role, max: number): boolean {
  return participants < (role === 'interviewer' ? max + INTERVIEWER_PLACES : max);
}
