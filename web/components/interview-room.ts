/**
 * `<interview-room>`: a collaborative code editor for one interview session, usable on its own in
 * any page. CodeMirror 6 is bound to the session's Y.Doc (`doc.getText('code')`) through
 * y-codemirror.next; the language lives in `doc.getMap('meta')` so switching it changes everyone's
 * highlighting at once.
 *
 * @attr server - Base URL of the interview-room service (`https://rooms.example`); defaults to the page's origin.
 * @attr session - The session id (a UUID from `POST /api/sessions`).
 * @attr name - The local participant's display name, shown to others next to their caret.
 * @attr theme - `light` or `dark` forces a colour scheme; absent follows `prefers-color-scheme`.
 *
 * @fires room-status - {@link RoomStatusEvent}: connection state changed (`detail.state`, `detail.message`).
 * @fires room-participants - {@link RoomParticipantsEvent}: someone joined, left or was renamed.
 * @fires room-run-request - {@link RoomRunRequestEvent}: Run pressed; cancel it to run the code yourself.
 * @fires room-run-result - {@link RoomRunResultEvent}: a run finished and its output is shown.
 *
 * @csspart editor - The CodeMirror editor's container.
 * @csspart language - The language `<select>`.
 * @csspart run - The Run button.
 * @csspart output - The output panel (`data-status` = `ok` | `error` | `unavailable` after a run).
 * @csspart participants - The participant list (`<ul>`, one `<li>` per participant).
 * @csspart status - The connection indicator; `data-state` = `connecting` | `connected` | `reconnecting` | `offline`.
 *
 * @cssprop --ir-bg - Background of the room.
 * @cssprop --ir-fg - Text colour.
 * @cssprop --ir-muted - Secondary text (gutter numbers, counts, status).
 * @cssprop --ir-surface - Toolbar and panel background.
 * @cssprop --ir-border - Borders and separators.
 * @cssprop --ir-accent - Run button and caret colour.
 * @cssprop --ir-accent-fg - Text on the accent colour.
 * @cssprop --ir-editor-bg - Editor background.
 * @cssprop --ir-editor-fg - Editor text colour.
 * @cssprop --ir-gutter-bg - Line-number gutter background.
 * @cssprop --ir-active-line - Highlight of the line holding the cursor.
 * @cssprop --ir-selection - Local selection background.
 * @cssprop --ir-output-bg - Output panel background.
 * @cssprop --ir-ok - Connected indicator.
 * @cssprop --ir-warn - Connecting / reconnecting indicator.
 * @cssprop --ir-error - Offline indicator and error output.
 * @cssprop --ir-syntax-keyword - Syntax colour of keywords; likewise `--ir-syntax-comment`, `-string`,
 *   `-number`, `-function`, `-definition`, `-type`, `-property`, `-punctuation` and `-meta`.
 * @cssprop --ir-font - UI font family.
 * @cssprop --ir-code-font - Editor and output font family.
 * @cssprop --ir-code-size - Editor font size.
 * @cssprop --ir-radius - Corner radius of the room.
 */
import { Compartment } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import * as Y from 'yjs';
import { DEFAULT_LANGUAGE, LANGUAGES, isLanguage, type Language } from '../../shared/languages.js';
import { CODE_TEXT, LANGUAGE_KEY, META_MAP } from '../../shared/schema.js';
import type { ConnectionStatus } from '../connection/connection-status.js';
import { cleanName, type Participant } from '../connection/participants.js';
import { RoomConnection, type Room } from '../connection/room-connection.js';
import { createEditorState } from '../editor/editor-extensions.js';
import { LANGUAGE_LABELS, languageSupport } from '../editor/language-support.js';
import { unavailableResult, type CodeRunner, type RunResult } from '../run/runner.js';
import { interviewRoomStyles } from './interview-room-styles.js';
import { RoomParticipantsEvent, RoomRunRequestEvent, RoomRunResultEvent, RoomStatusEvent } from './room-events.js';

/** The editor and Yjs objects that live exactly as long as one open room. */
interface EditorBinding {
  view: EditorView;
  undoManager: Y.UndoManager;
  meta: Y.Map<unknown>;
  onMeta: () => void;
}

/** A collaborative code editor bound to one session; see the block above for its public surface. */
export class InterviewRoom extends LitElement {
  static override styles = interviewRoomStyles;
  static override properties = {
    server: { type: String },
    session: { type: String },
    name: { type: String },
    theme: { type: String, reflect: true },
    runner: { attribute: false },
    currentLanguage: { state: true },
    result: { state: true },
    running: { state: true },
  };

  /** Base URL of the service; empty means the page's own origin. */
  declare server: string;
  /** The session id to join; empty shows a message instead of an editor. */
  declare session: string;
  /** The local participant's display name. */
  declare name: string;
  /** `light`, `dark`, or empty to follow the system. */
  declare theme: string;
  /** Executes code for the Run button; `null` until code execution is wired up (a later issue). */
  declare runner: CodeRunner | null;
  declare private currentLanguage: Language;
  declare private result: RunResult | null;
  declare private running: boolean;

  private readonly connection = new RoomConnection(this, {
    onRoom: (room) => this.bindRoom(room),
    onStatus: (status) => this.dispatchEvent(new RoomStatusEvent(status)),
    onParticipants: (list) => this.dispatchEvent(new RoomParticipantsEvent(list)),
  });
  // Created once and rendered as a node, so CodeMirror's DOM survives re-renders and exists before
  // the first render (the room can then open in willUpdate without a second update cycle).
  private readonly editorHost = Object.assign(document.createElement('div'), { className: 'editor-host' });
  private readonly languageCompartment = new Compartment();
  private binding: EditorBinding | null = null;
  private runAbort: AbortController | null = null;

  constructor() {
    super();
    this.server = '';
    this.session = '';
    this.name = '';
    this.theme = '';
    this.runner = null;
    this.currentLanguage = DEFAULT_LANGUAGE;
    this.result = null;
    this.running = false;
  }

  /** The editor's current text (the shared code as this participant sees it). */
  get code(): string {
    return this.binding?.view.state.doc.toString() ?? '';
  }

  /** The session's current language. */
  get language(): Language {
    return this.currentLanguage;
  }

  /** The connection status shown by the `status` part. */
  get status(): ConnectionStatus {
    return this.connection.status;
  }

  /** Everyone in the room, local participant first. */
  get participants(): readonly Participant[] {
    return this.connection.participants;
  }

  /** The CodeMirror view, for embedders that add their own extensions; `null` without a room. */
  get editorView(): EditorView | null {
    return this.binding?.view ?? null;
  }

  /** Sets the session language for everyone (what the language selector does). */
  setLanguage(language: Language): void {
    const room = this.connection.room;
    if (!room || !isLanguage(language)) return;
    room.doc.getMap(META_MAP).set(LANGUAGE_KEY, language);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('name')) this.connection.setName(cleanName(this.name, 'Guest'));
    if (changed.has('server') || changed.has('session')) {
      if (this.session) this.connection.open(this.server || globalThis.location.origin, this.session.trim());
      else this.connection.close();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.runAbort?.abort();
  }

  protected override render(): unknown {
    const status = this.connection.status;
    const participants = this.connection.participants;
    const refused = status.closeCode !== undefined;
    return html`
      <header>
        <label>
          <span class="visually-hidden">Language</span>
          <select
            part="language"
            aria-label="Language"
            .value=${this.currentLanguage}
            ?disabled=${!this.connection.room || refused}
            @change=${this.onLanguageChange}
          >
            ${LANGUAGES.map((lang) => html`<option value=${lang} ?selected=${lang === this.currentLanguage}>${LANGUAGE_LABELS[lang]}</option>`)}
          </select>
        </label>
        <button part="run" type="button" ?disabled=${this.running || refused || !this.connection.room} @click=${this.onRun}>
          ${this.running ? 'Running…' : 'Run'}
        </button>
        <ul part="participants" aria-label="Participants">
          ${participants.map(
            (p) => html`<li title=${p.name} data-client-id=${p.clientId}>
              <span class="swatch" style=${styleMap({ background: p.color })}></span><span class="name">${p.name}</span>${p.isLocal
                ? html`<span class="count">&nbsp;(you)</span>`
                : nothing}
            </li>`,
          )}
          <span class="count">${participants.length} in room</span>
        </ul>
        <span part="status" data-state=${status.state} role="status" aria-live="polite">${status.message}</span>
      </header>
      <main>
        ${!this.session
          ? html`<div class="notice">No session given: set the <code>session</code> attribute to a session id.</div>`
          : refused
            ? html`<div class="notice" role="alert">${status.message}</div>`
            : nothing}
        <div part="editor" ?hidden=${refused || !this.session}>${this.editorHost}</div>
        <pre part="output" aria-label="Output" aria-live="polite" data-status=${this.result?.status ?? nothing}>${this.result?.output ??
          (this.runner ? 'Output appears here after a run.' : 'Output appears here. Running code is not wired up yet in this version.')}</pre>
      </main>
    `;
  }

  private bindRoom(room: Room | null): void {
    this.unbindRoom();
    if (!room) return;
    const host = this.editorHost;
    const text = room.doc.getText(CODE_TEXT);
    const meta = room.doc.getMap<unknown>(META_MAP);
    // Tracks only this participant's edits (the yCollab origin), so undo never removes others' typing.
    const undoManager = new Y.UndoManager(text);
    const language = isLanguage(meta.get(LANGUAGE_KEY)) ? (meta.get(LANGUAGE_KEY) as Language) : DEFAULT_LANGUAGE;
    this.currentLanguage = language;
    const state = createEditorState({
      text,
      awareness: room.provider.awareness,
      undoManager,
      language,
      languageCompartment: this.languageCompartment,
    });
    const view = new EditorView({ state, parent: host, root: this.shadowRoot ?? document });
    const onMeta = (): void => this.applyLanguage(meta.get(LANGUAGE_KEY));
    meta.observe(onMeta);
    this.binding = { view, undoManager, meta, onMeta };
  }

  private unbindRoom(): void {
    const binding = this.binding;
    if (!binding) return;
    this.binding = null;
    binding.meta.unobserve(binding.onMeta);
    binding.undoManager.destroy();
    binding.view.destroy();
  }

  private applyLanguage(value: unknown): void {
    const language = isLanguage(value) ? value : DEFAULT_LANGUAGE;
    if (language === this.currentLanguage) return;
    this.currentLanguage = language;
    this.binding?.view.dispatch({ effects: this.languageCompartment.reconfigure(languageSupport(language)) });
  }

  private onLanguageChange(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    if (isLanguage(value)) this.setLanguage(value);
  }

  private async onRun(): Promise<void> {
    const request = { code: this.code, language: this.currentLanguage };
    const requestEvent = new RoomRunRequestEvent(request);
    this.dispatchEvent(requestEvent);
    if (requestEvent.defaultPrevented) return;
    if (!this.runner) {
      this.showResult(unavailableResult(request.language));
      return;
    }
    this.runAbort?.abort();
    const abort = new AbortController();
    this.runAbort = abort;
    this.running = true;
    const started = performance.now();
    try {
      this.showResult(await this.runner.run(request, abort.signal));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.showResult({ status: 'error', output: `The runner failed: ${message}`, durationMs: performance.now() - started });
    } finally {
      if (this.runAbort === abort) this.runAbort = null;
      this.running = false;
    }
  }

  private showResult(result: RunResult): void {
    this.result = result;
    this.dispatchEvent(new RoomRunResultEvent(result));
  }
}

/** Defines `<interview-room>` unless the page already has it (two embeds of one script). */
export function defineInterviewRoom(tagName = 'interview-room'): void {
  if (!customElements.get(tagName)) customElements.define(tagName, InterviewRoom);
}

declare global {
  interface HTMLElementTagNameMap {
    'interview-room': InterviewRoom;
  }
}
