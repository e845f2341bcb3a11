/** `<home-page>`: creates a session in a chosen language and shows its shareable link. */
import { LitElement, css, html, nothing } from 'lit';
import { DEFAULT_LANGUAGE, LANGUAGES, isLanguage, type Language } from '../../shared/languages.js';
import { createSession, type CreatedSession } from '../api/sessions-client.js';
import { LANGUAGE_LABELS } from '../editor/language-support.js';

const FEATURES = [
  'Real-time shared editor: every keystroke merges conflict-free (Yjs CRDT), even after going offline.',
  'Live cursors and selections with each participant’s name and colour.',
  'Per-person undo and redo: you never undo someone else’s typing.',
  'JavaScript and Python highlighting; switching language switches it for everyone.',
  'Connection status with automatic reconnection.',
  'Embeddable anywhere with one script tag and an <interview-room> element.',
];

/** The home page. */
export class HomePage extends LitElement {
  static override styles = css`
    :host {
      display: block;
      max-width: 720px;
      margin: 0 auto;
      padding: 48px 24px;
    }
    h1 {
      font-size: 2rem;
      margin: 0 0 8px;
    }
    p.lead {
      color: var(--app-muted);
      margin: 0 0 32px;
    }
    form {
      display: flex;
      gap: 12px;
      align-items: center;
      flex-wrap: wrap;
    }
    select,
    button {
      font: inherit;
      padding: 8px 12px;
      border-radius: 6px;
      border: 1px solid var(--app-border);
      background: var(--app-bg);
      color: inherit;
    }
    button.primary {
      background: var(--app-accent);
      border-color: var(--app-accent);
      color: var(--app-accent-fg);
      font-weight: 600;
      cursor: pointer;
    }
    .created {
      margin-top: 24px;
      padding: 16px;
      border: 1px solid var(--app-border);
      border-radius: 8px;
      display: grid;
      gap: 12px;
    }
    .error {
      color: var(--app-error);
      margin-top: 16px;
    }
    a {
      color: var(--app-accent);
    }
    ul {
      padding-left: 1.2em;
      line-height: 1.7;
    }
  `;
  static override properties = { language: { state: true }, created: { state: true }, error: { state: true }, busy: { state: true } };

  declare private language: Language;
  declare private created: CreatedSession | null;
  declare private error: string;
  declare private busy: boolean;

  constructor() {
    super();
    this.language = DEFAULT_LANGUAGE;
    this.created = null;
    this.error = '';
    this.busy = false;
  }

  protected override render(): unknown {
    return html`
      <h1>Interview room</h1>
      <p class="lead">A shared code editor for technical interviews. Create a session and send the link.</p>
      <form @submit=${this.create}>
        <label>Language
          <select name="language" @change=${(e: Event) => this.pick((e.target as HTMLSelectElement).value)}>
            ${LANGUAGES.map((lang) => html`<option value=${lang} ?selected=${lang === this.language}>${LANGUAGE_LABELS[lang]}</option>`)}
          </select>
        </label>
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Creating…' : 'Create session'}</button>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.created
        ? html`<section class="created" aria-label="New session">
            <div>Session created (${LANGUAGE_LABELS[this.created.language] ?? this.created.language}). Share this link:</div>
            <copy-link href=${this.created.url}></copy-link>
            <div><a class="open-room" href=${this.created.url}>Open the room →</a></div>
          </section>`
        : nothing}
      <h2>What you get</h2>
      <ul>
        ${FEATURES.map((feature) => html`<li>${feature}</li>`)}
      </ul>
    `;
  }

  private pick(value: string): void {
    if (isLanguage(value)) this.language = value;
  }

  private async create(event: Event): Promise<void> {
    event.preventDefault();
    this.busy = true;
    this.error = '';
    try {
      this.created = await createSession(this.language);
    } catch (error) {
      this.error = `Could not create a session: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'home-page': HomePage;
  }
}
