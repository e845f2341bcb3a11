/**
 * `<room-page>`: the full-page room at `/session/<id>`. Asks for a display name the first time
 * (then remembers it) and shows `<interview-room>` with the shareable link.
 */
import { LitElement, css, html } from 'lit';
import { cleanName } from '../connection/participants.js';
import { loadDisplayName, saveDisplayName } from './display-name.js';

/** The room page for one session. */
export class RoomPage extends LitElement {
  static override styles = css`
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
      gap: 16px;
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
    form {
      margin: 15vh auto 0;
      display: grid;
      gap: 12px;
      width: min(360px, 100%);
    }
    input,
    button {
      font: inherit;
      padding: 8px 12px;
      border-radius: 6px;
      border: 1px solid var(--app-border);
      background: var(--app-bg);
      color: inherit;
    }
    button {
      background: var(--app-accent);
      border-color: var(--app-accent);
      color: var(--app-accent-fg);
      font-weight: 600;
      cursor: pointer;
    }
  `;
  static override properties = { session: { type: String }, displayName: { state: true } };

  /** The session id from the URL. */
  declare session: string;
  declare private displayName: string | null;

  constructor() {
    super();
    this.session = '';
    this.displayName = loadDisplayName();
  }

  protected override render(): unknown {
    if (!this.displayName) {
      return html`<form @submit=${this.join} aria-label="Join the session">
        <h1>Join the interview</h1>
        <label for="name">Your name, as others will see it</label>
        <input id="name" name="name" autocomplete="name" maxlength="40" required autofocus />
        <button type="submit">Join</button>
      </form>`;
    }
    return html`
      <nav>
        <a href="/">Interview room</a>
        <copy-link href=${`/session/${this.session}`}></copy-link>
        <span>You are <strong>${this.displayName}</strong></span>
      </nav>
      <interview-room session=${this.session} name=${this.displayName}></interview-room>
    `;
  }

  private join(event: SubmitEvent): void {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('name') as HTMLInputElement;
    const name = cleanName(input.value, '');
    if (!name) return;
    saveDisplayName(name);
    this.displayName = name;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'room-page': RoomPage;
  }
}
