/**
 * `<session-password>`: the interviewer's password setting on the room page. Setting or changing it
 * makes the session private (connected candidates must sign in again); removing it opens the
 * session to anyone with the link. The password goes only in a PATCH body.
 */
import { LitElement, css, html, nothing } from 'lit';
import { PASSWORD_LENGTH } from '../../shared/protocol/rest.js';
import { formControls } from './form-styles.js';
import { updateSession } from '../api/access-client.js';
import { getSessionDetails } from '../api/sessions-client.js';


/** Shows whether the session is private and lets the interviewer set, change or remove its password. */
export class SessionPassword extends LitElement {
  static override styles = [
    formControls,
    css`
      :host {
        display: inline-block;
        position: relative;
      }
      details[open] form {
        position: absolute;
        right: 0;
        z-index: 2;
        margin-top: 6px;
        padding: 12px;
        display: grid;
        gap: 8px;
        width: 260px;
        background: var(--app-bg);
        border: 1px solid var(--app-border);
        border-radius: 8px;
      }
      summary {
        cursor: pointer;
      }
      label {
        display: grid;
        gap: 4px;
      }
      input {
        box-sizing: border-box;
        width: 100%;
      }
      /* A compact form in a popover. */
      input,
      button {
        padding: 6px 10px;
      }
      .error {
        color: var(--app-error);
      }
      .note {
        color: var(--app-muted);
        font-size: 13px;
      }
    `,
  ];
  static override properties = {
    session: { type: String },
    token: { type: String },
    isPrivate: { state: true },
    busy: { state: true },
    message: { state: true },
    error: { state: true },
  };

  /** The session id. */
  declare session: string;
  /** The interviewer's token. */
  declare token: string;
  declare private isPrivate: boolean | null;
  declare private busy: boolean;
  declare private message: string;
  declare private error: string;
  private loadedFor = '';

  constructor() {
    super();
    this.session = '';
    this.token = '';
    this.isPrivate = null;
    this.busy = false;
    this.message = '';
    this.error = '';
  }

  protected override updated(): void {
    // Read the current setting once per session (a renewed token does not change it).
    if (!this.session || !this.token || this.loadedFor === this.session) return;
    this.loadedFor = this.session;
    getSessionDetails(this.session, this.token).then(
      (details) => (this.isPrivate = details.private),
      () => (this.isPrivate = null),
    );
  }

  protected override render(): unknown {
    const label = this.isPrivate === null ? 'Password' : this.isPrivate ? 'Password: on' : 'Password: off';
    return html`<details>
      <summary>${label}</summary>
      <form @submit=${this.setPassword} aria-label="Session password">
        <span class="note">${this.isPrivate
          ? 'Candidates must enter the password. Changing it signs them out.'
          : 'Anyone with the candidate link can join. A password makes the session private.'}</span>
        <label>
          New password
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            minlength=${PASSWORD_LENGTH.min}
            maxlength=${PASSWORD_LENGTH.max}
            required
          />
        </label>
        <button type="submit" ?disabled=${this.busy}>${this.isPrivate ? 'Change password' : 'Set password'}</button>
        ${this.isPrivate ? html`<button type="button" ?disabled=${this.busy} @click=${this.removePassword}>Remove password</button>` : nothing}
        ${this.message ? html`<span class="note" role="status">${this.message}</span>` : nothing}
        ${this.error ? html`<span class="error" role="alert">${this.error}</span>` : nothing}
      </form>
    </details>`;
  }

  private async setPassword(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = form.elements.namedItem('password') as HTMLInputElement;
    if (await this.apply(input.value, 'Password set: candidates must enter it.')) form.reset();
  }

  private async removePassword(): Promise<void> {
    await this.apply(null, 'Password removed: anyone with the link can join.');
  }

  private async apply(password: string | null, done: string): Promise<boolean> {
    this.busy = true;
    this.error = '';
    this.message = '';
    try {
      const info = await updateSession(this.session, this.token, { password });
      this.isPrivate = info.private;
      this.message = done;
      return true;
    } catch (error) {
      this.error = `Could not change the password: ${error instanceof Error ? error.message : String(error)}`;
      return false;
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'session-password': SessionPassword;
  }
}
