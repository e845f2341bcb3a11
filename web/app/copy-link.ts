/** `<copy-link>`: a labelled read-only field with a shareable URL and a Copy button. */
import { LitElement, css, html } from 'lit';

/** Shows `href` as an absolute URL with a Copy button that confirms when it worked. */
export class CopyLink extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      gap: 8px;
      align-items: center;
    }
    input {
      flex: 1;
      min-width: 0;
      font: 13px ui-monospace, Menlo, Consolas, monospace;
      padding: 6px 8px;
      border: 1px solid var(--app-border, #d9dce1);
      border-radius: 6px;
      background: inherit;
      color: inherit;
    }
    button {
      font: inherit;
      padding: 6px 12px;
      border-radius: 6px;
      border: 1px solid var(--app-border, #d9dce1);
      background: inherit;
      color: inherit;
      cursor: pointer;
    }
  `;
  static override properties = { href: { type: String }, label: { type: String }, copied: { state: true } };

  /** The link to show; relative paths are resolved against the page. */
  declare href: string;
  /** What the link is (`Candidate link`, ...): the field's and the button's accessible name. */
  declare label: string;
  declare private copied: boolean;

  constructor() {
    super();
    this.href = '';
    this.label = 'Shareable link';
    this.copied = false;
  }

  /** The absolute URL shown in the field. */
  get absolute(): string {
    return new URL(this.href, location.href).toString();
  }

  protected override render(): unknown {
    return html`<input readonly aria-label=${this.label} .value=${this.absolute} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
      <button type="button" aria-label=${`${this.copied ? 'Copied' : 'Copy'}: ${this.label}`} @click=${this.copy}>
        ${this.copied ? 'Copied' : 'Copy link'}
      </button>`;
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.absolute);
      this.copied = true;
      setTimeout(() => (this.copied = false), 2000);
    } catch {
      // Clipboard refused (insecure origin, no permission): select the text so Ctrl+C works.
      this.renderRoot.querySelector('input')?.select();
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'copy-link': CopyLink;
  }
}
