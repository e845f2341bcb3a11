/**
 * `<room-page>`: the full-page room at `/session/<id>`. Asks for a display name the first time
 * (then remembers it), gets access (owner secret → interviewer; a password form for a private
 * session; see room-access.ts) and shows `<interview-room>` with the candidate link to share.
 */
import { LitElement, css, html, nothing } from 'lit';
import { formControls } from './form-styles.js';
import type { InterviewRoom } from '../components/interview-room.js';
import type { RoomAuthRequiredEvent } from '../components/room-events.js';
import { getSessionCode } from '../api/sessions-client.js';
import { cleanName } from '../../shared/display-names.js';
import { loadDisplayName, saveDisplayName } from './display-name.js';
import { RoomAccess } from './room-access.js';

/** The room page for one session. */
export class RoomPage extends LitElement {
  static override styles = [
    formControls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100vh;
        box-sizing: border-box;
        padding: 12px 16px 16px;
        gap: 12px;
      }
      nav {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 16px;
        align-items: center;
      }
      nav a {
        color: inherit;
        font-weight: 600;
        text-decoration: none;
      }
      copy-link {
        flex: 1;
        max-width: 560px;
      }
      interview-room {
        flex: 1;
        height: auto;
      }
      form.gate {
        margin: 15vh auto 0;
        display: grid;
        gap: 12px;
        width: min(360px, 100%);
      }
      form.banner {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
        padding: 8px 12px;
        border: 1px solid var(--app-error);
        border-radius: 8px;
      }
      .error {
        color: var(--app-error);
      }
      .failed {
        margin: 15vh auto 0;
        text-align: center;
      }
      .role {
        color: var(--app-muted);
      }
      .final pre {
        max-height: 40vh;
        overflow: auto;
        margin: 8px 0 0;
        padding: 8px 12px;
        border: 1px solid var(--app-border);
        border-radius: 8px;
        font: 13px ui-monospace, Menlo, Consolas, monospace;
        white-space: pre-wrap;
      }
    `,
  ];
  static override properties = { session: { type: String }, displayName: { state: true }, finalCode: { state: true } };

  /** The session id from the URL. */
  declare session: string;
  declare private displayName: string | null;
  /** After the end, the interviewer's copy of the code from the server; `null` otherwise. */
  declare private finalCode: string | null;
  private readonly access = new RoomAccess(this);

  constructor() {
    super();
    this.session = '';
    this.displayName = loadDisplayName();
    this.finalCode = null;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('session') && this.session) {
      this.finalCode = null;
      this.access.start(this.session);
    }
  }

  protected override render(): unknown {
    if (!this.displayName) {
      return html`<form class="gate" @submit=${this.join} aria-label="Join the session">
        <h1>Join the interview</h1>
        <label for="name">Your name, as others will see it</label>
        <input id="name" name="name" autocomplete="name" maxlength="40" required autofocus />
        <button class="primary" type="submit">Join</button>
      </form>`;
    }
    const access = this.access.state;
    if (access.phase === 'failed') {
      return html`<div class="failed" role="alert">
        <h1>${access.message}</h1>
        <p><a href="/">Create a new session</a></p>
      </div>`;
    }
    if (!access.entered) {
      return access.phase === 'password' ? this.passwordForm('gate') : html`<p class="failed" role="status">Checking access…</p>`;
    }
    const interviewer = access.role === 'interviewer';
    return html`
      <nav>
        <a href="/">Interview room</a>
        <span class="role">Candidate link</span>
        <copy-link label="Candidate link" href=${`/session/${this.session}`}></copy-link>
        <span
          >You are <strong>${this.displayName}</strong>,
          <span class="role" data-role=${access.role}>${interviewer ? 'the interviewer' : 'a candidate'}</span></span
        >
        ${interviewer && access.token ? html`<session-password session=${this.session} token=${access.token}></session-password>` : nothing}
      </nav>
      ${access.phase === 'password' ? this.passwordForm('banner') : nothing}
      <interview-room
        session=${this.session}
        name=${this.displayName}
        .token=${access.token}
        participant-role=${access.role}
        @room-auth-required=${this.onAuthRequired}
        @room-ended=${this.onEnded}
      ></interview-room>
      ${this.finalCode !== null
        ? html`<details class="final" open>
            <summary>Final code (only you, the interviewer, can still read it)</summary>
            <pre aria-label="Final code">${this.finalCode}</pre>
          </details>`
        : nothing}
    `;
  }

  /** The candidate's sign-in: full page the first time, a banner over the kept room after a 4401. */
  private passwordForm(kind: 'gate' | 'banner'): unknown {
    const message = this.access.state.message;
    return html`<form class=${kind} @submit=${this.signIn} aria-label="Session password">
      ${kind === 'gate' ? html`<h1>This session is private</h1>` : nothing}
      <label for="password">Password from the interviewer</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required autofocus />
      <button class="primary" type="submit">Enter</button>
      ${message ? html`<p class="error" role="alert">${message}</p>` : nothing}
    </form>`;
  }

  private async onAuthRequired(event: RoomAuthRequiredEvent): Promise<void> {
    const room = event.target as InterviewRoom;
    await this.access.authRequired(event.detail.closeCode);
    await this.updateComplete;
    // A new token reconnects by itself; this covers access that needs no token any more (the
    // password was removed). reconnect() does nothing if the room is already connecting.
    if (this.access.state.phase === 'ready') room.reconnect();
  }

  /** The session ended: the interviewer can still read the code (the token keeps working for that). */
  private async onEnded(): Promise<void> {
    const { role, token } = this.access.state;
    if (role !== 'interviewer' || !token) return;
    try {
      this.finalCode = await getSessionCode(this.session, token);
    } catch {
      // Nothing to show then; the room already says the session ended.
    }
  }

  private join(event: SubmitEvent): void {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('name') as HTMLInputElement;
    const name = cleanName(input.value, '');
    if (!name) return;
    saveDisplayName(name);
    this.displayName = name;
  }

  private async signIn(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = form.elements.namedItem('password') as HTMLInputElement;
    await this.access.submitPassword(input.value);
    if (this.access.state.phase === 'ready') form.reset();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'room-page': RoomPage;
  }
}
