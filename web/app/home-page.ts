/**
 * `<home-page>`: creates a session (language, optional password) and shows its two links: the
 * interviewer's, which carries the owner secret, and the candidate's. When the deployment requires
 * an API key (401 `api_key_required` / `invalid_api_key`) it asks for one, remembers it in
 * localStorage and retries.
 */
import { LitElement, css, html, nothing } from 'lit';
import { formControls } from './form-styles.js';
import { DEFAULT_LANGUAGE, LANGUAGES, LANGUAGE_LABELS, isLanguage, languageLabel, type Language } from '../../shared/languages.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import { PASSWORD_LENGTH, type CreatedSession } from '../../shared/protocol/rest.js';
import { ApiError, createSession } from '../api/sessions-client.js';
import { forgetApiKey, loadApiKey, saveApiKey } from './api-key.js';
import { saveOwnerSecret } from './owner-secrets.js';

const FEATURES = [
  'Real-time shared editor: every keystroke merges conflict-free (Yjs CRDT), even after going offline.',
  'Live cursors and selections with each participant’s name and colour.',
  'Per-person undo and redo: you never undo someone else’s typing.',
  'JavaScript and Python highlighting; switching language switches it for everyone.',
  'Connection status with automatic reconnection.',
  'Two links per session: the interviewer’s (lock the editor, end the session) and the candidate’s; an optional password makes it private.',
  'Embeddable anywhere with one script tag and an <interview-room> element.',
];

/** The home page. */
export class HomePage extends LitElement {
  static override styles = [
    formControls,
    css`
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
      .link-label {
        font-weight: 600;
      }
      .link-label small {
        font-weight: normal;
        color: var(--app-muted);
      }
      form.api-key {
        margin-top: 16px;
      }
      a {
        color: var(--app-accent);
      }
      ul {
        padding-left: 1.2em;
        line-height: 1.7;
      }
    `,
  ];
  static override properties = {
    language: { state: true },
    created: { state: true },
    error: { state: true },
    busy: { state: true },
    needsApiKey: { state: true },
  };

  declare private language: Language;
  declare private needsApiKey: boolean;
  // Kept between the refused attempt and the retry with an API key; never rendered.
  private pendingPassword = '';
  declare private created: CreatedSession | null;
  declare private error: string;
  declare private busy: boolean;

  constructor() {
    super();
    this.language = DEFAULT_LANGUAGE;
    this.created = null;
    this.error = '';
    this.busy = false;
    this.needsApiKey = false;
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
        <label>Password <small>(optional, ${PASSWORD_LENGTH.min}+ characters)</small>
          <input name="password" type="password" autocomplete="new-password" minlength=${PASSWORD_LENGTH.min} maxlength=${PASSWORD_LENGTH.max} />
        </label>
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Creating…' : 'Create session'}</button>
      </form>
      ${this.needsApiKey
        ? html`<form class="api-key" @submit=${this.submitApiKey} aria-label="API key">
            <label>This server needs an API key to create sessions
              <input name="apiKey" type="password" autocomplete="off" required />
            </label>
            <button class="primary" type="submit" ?disabled=${this.busy}>Use key and create</button>
          </form>`
        : nothing}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.created ? this.renderCreated(this.created) : nothing}
      <h2>What you get</h2>
      <ul>
        ${FEATURES.map((feature) => html`<li>${feature}</li>`)}
      </ul>
    `;
  }

  private renderCreated(created: CreatedSession): unknown {
    const language = languageLabel(created.language);
    return html`<section class="created" aria-label="New session">
      <div>Session created (${language}${created.private ? ', private: candidates need the password' : ''}).</div>
      ${created.interviewerUrl
        ? html`<div class="link-label">Your interviewer link <small>— keep this one to yourself: it lets you lock the editor and end the session</small></div>
            <copy-link label="Interviewer link" href=${created.interviewerUrl}></copy-link>`
        : nothing}
      <div class="link-label">Candidate link <small>— send this to the candidate</small></div>
      <copy-link label="Candidate link" href=${created.url}></copy-link>
      <div><a class="open-room" href=${created.interviewerUrl ?? created.url}>Open the room as the interviewer →</a></div>
    </section>`;
  }

  private pick(value: string): void {
    if (isLanguage(value)) this.language = value;
  }

  private async create(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    this.pendingPassword = (form.elements.namedItem('password') as HTMLInputElement).value;
    await this.attempt();
    if (this.created) form.reset();
  }

  private async submitApiKey(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const key = ((event.target as HTMLFormElement).elements.namedItem('apiKey') as HTMLInputElement).value.trim();
    if (!key) return;
    saveApiKey(key);
    await this.attempt();
  }

  private async attempt(): Promise<void> {
    this.busy = true;
    this.error = '';
    this.created = null;
    const apiKey = loadApiKey();
    try {
      const created = await createSession({ language: this.language, password: this.pendingPassword, apiKey });
      // The creator is the interviewer: remember the secret, so the room knows even without the fragment.
      if (created.ownerSecret) saveOwnerSecret(created.id, created.ownerSecret);
      this.created = created;
      this.needsApiKey = false;
      this.pendingPassword = '';
    } catch (error) {
      if (error instanceof ApiError && (error.code === ErrorCode.ApiKeyRequired || error.code === ErrorCode.InvalidApiKey)) {
        // A key was sent and still refused (wrong, or not even well-formed): forget it and say so.
        if (apiKey) forgetApiKey();
        this.needsApiKey = true;
        this.error = apiKey ? 'That API key was refused. Check it and try again.' : '';
      } else {
        this.error = `Could not create a session: ${error instanceof Error ? error.message : String(error)}`;
      }
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
