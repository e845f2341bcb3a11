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
 * @attr token - An access token from `POST /api/sessions/:id/token`, sent as `?token=` on the socket;
 *   needed for private sessions and for the interviewer. A new token reconnects after a 4401.
 * @attr participant-role - `interviewer` or `candidate` (property `role`): published to the others
 *   (the server stamps the real one) and decides who the lock applies to. Not the `role` attribute,
 *   which is ARIA's.
 *
 * @attr run-timeout - Time limit of a run in milliseconds (property `runTimeout`); default 5000, at most 120000.
 *
 * @fires room-status - {@link RoomStatusEvent}: connection state changed (`detail.state`, `detail.message`).
 * @fires room-participants - {@link RoomParticipantsEvent}: someone joined, left or was renamed.
 * @fires room-run-request - {@link RoomRunRequestEvent}: Run pressed; cancel it to run the code yourself.
 * @fires room-run-result - {@link RoomRunResultEvent}: a run finished and its output is shown.
 * @fires room-auth-required - {@link RoomAuthRequiredEvent}: refused with 4401; give it a new `token`.
 * @fires room-access - {@link RoomAccessEvent}: the interviewer locked or unlocked the editor.
 * @fires room-ended - {@link RoomEndedEvent}: the interviewer ended the session (4411).
 *
 * @csspart editor - The CodeMirror editor's container.
 * @csspart language - The language `<select>`.
 * @csspart run - The Run button; disabled while the room is not connected (the server records runs).
 * @csspart output - The shared runs (`data-status` = the latest run's status: `running` | `ok` | `error` | `timeout` | `stopped` | `interrupted`).
 * @csspart stop - The Stop button, shown while the local participant's run is going.
 * @csspart participants - The participant list (`<ul>`, one `<li>` per participant).
 * @csspart role-badge - A participant's role in the list (`data-role` = `interviewer` | `candidate`).
 * @csspart lock - The "Locked by the interviewer" indicator, shown while the session is read-only.
 * @csspart retry - "Try again", shown after a 4429 refusal (a limit).
 * @csspart controls - The interviewer's controls (role `interviewer` with a token): `lock-toggle`,
 *   `end`, then `end-confirm`.
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
import * as Y from 'yjs';
import { cleanName } from '../../shared/display-names.js';
import { DEFAULT_LANGUAGE, LANGUAGES, LANGUAGE_LABELS, isLanguage, type Language } from '../../shared/languages.js';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import { isRole, type Role } from '../../shared/roles.js';
import { CODE_TEXT, LANGUAGE_KEY, META_MAP, READ_ONLY_KEY } from '../../shared/schema.js';
import { endSession, updateSession } from '../api/access-client.js';
import type { ConnectionStatus } from '../connection/connection-status.js';
import type { RoomMember } from '../connection/room-members.js';
import { RoomConnection, type Room } from '../connection/room-connection.js';
import { createEditorState } from '../editor/editor-extensions.js';
import { languageSupport } from '../editor/language-support.js';
import { readOnlyExtension } from '../editor/read-only.js';
import type { CodeRunner } from '../runs/runner.js';
import { RunController, runTimeoutMs } from '../runs/run-controller.js';
import { runsStyles } from '../runs/runs-styles.js';
import { interviewerControls } from './interviewer-controls.js';
import { memberList } from './member-list.js';
import { interviewRoomStyles } from './interview-room-styles.js';
import {
  RoomAccessEvent,
  RoomAuthRequiredEvent,
  RoomEndedEvent,
  RoomParticipantsEvent,
  RoomRunRequestEvent,
  RoomRunResultEvent,
  RoomStatusEvent,
} from './room-events.js';

/** The editor and Yjs objects that live exactly as long as one open room. */
interface EditorBinding {
  view: EditorView;
  undoManager: Y.UndoManager;
  meta: Y.Map<unknown>;
  onMeta: () => void;
}

/** A collaborative code editor bound to one session; see the block above for its public surface. */
export class InterviewRoom extends LitElement {
  static override styles = [interviewRoomStyles, runsStyles];
  static override properties = {
    server: { type: String },
    session: { type: String },
    name: { type: String },
    theme: { type: String, reflect: true },
    token: { type: String },
    role: { type: String, attribute: 'participant-role' },
    runner: { attribute: false },
    runTimeout: { type: Number, attribute: 'run-timeout' },
    sessionLocked: { state: true },
    controlsBusy: { state: true },
    confirmingEnd: { state: true },
    controlsError: { state: true },
    currentLanguage: { state: true },
  };

  /** Base URL of the service; empty means the page's own origin. */
  declare server: string;
  /** The session id to join; empty shows a message instead of an editor. */
  declare session: string;
  /** The local participant's display name. */
  declare name: string;
  /** `light`, `dark`, or empty to follow the system. */
  declare theme: string;
  /** Access token for the socket (`?token=`) and the interviewer's REST calls; empty for an open session. */
  declare token: string;
  /** The local participant's role; `interviewer` keeps editing while locked and gets the controls. */
  declare role: Role | '';
  /** Executes code for the Run button; `null` uses the built-in sandbox. Runs are reported to the server either way. */
  declare runner: CodeRunner | null;
  /** Time limit of a run in milliseconds (attribute `run-timeout`). */
  declare runTimeout: number;
  declare private currentLanguage: Language;
  declare private sessionLocked: boolean;
  declare private controlsBusy: boolean;
  declare private confirmingEnd: boolean;
  declare private controlsError: string;

  private readonly connection = new RoomConnection(this, {
    onRoom: (room) => this.bindRoom(room),
    onStatus: (status) => this.dispatchEvent(new RoomStatusEvent(status)),
    onMembers: (list) => this.dispatchEvent(new RoomParticipantsEvent(list)),
    onRefused: (code) => this.onRefused(code),
  });
  // Created once and rendered as a node, so CodeMirror's DOM survives re-renders and exists before
  // the first render (the room can then open in willUpdate without a second update cycle).
  private readonly editorHost = Object.assign(document.createElement('div'), { className: 'editor-host' });
  private readonly languageCompartment = new Compartment();
  private readonly readOnlyCompartment = new Compartment();
  private binding: EditorBinding | null = null;
  private readonly runs = new RunController(this, { server: () => this.server || globalThis.location.origin });

  constructor() {
    super();
    this.server = '';
    this.session = '';
    this.name = '';
    this.theme = '';
    this.token = '';
    this.role = '';
    this.runner = null;
    this.runTimeout = 5_000;
    // Capture phase: CodeMirror binds Mod-Enter itself (insert a blank line) and would see it first.
    this.addEventListener('keydown', (event) => this.onRunShortcut(event), { capture: true });
    this.sessionLocked = false;
    this.controlsBusy = false;
    this.confirmingEnd = false;
    this.controlsError = '';
    this.currentLanguage = DEFAULT_LANGUAGE;
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
  get participants(): readonly RoomMember[] {
    return this.connection.members;
  }

  /** The CodeMirror view, for embedders that add their own extensions; `null` without a room. */
  get editorView(): EditorView | null {
    return this.binding?.view ?? null;
  }

  /** Whether the interviewer has locked the session (`meta.readOnly`). */
  get readOnly(): boolean {
    return this.sessionLocked;
  }

  /** Whether the local participant may type: always the interviewer, candidates while unlocked. */
  get editable(): boolean {
    return !this.sessionLocked || this.role === 'interviewer';
  }

  /** Locks (`true`) or unlocks the editor for candidates. Needs an interviewer `token`; throws `ApiError`. */
  async setReadOnly(readOnly: boolean): Promise<void> {
    await updateSession(this.session.trim(), this.token, { readOnly }, this.server);
  }

  /** Ends the session for everyone (interviewer `token`); every element then shows the ended message. */
  async endSession(): Promise<void> {
    await endSession(this.session.trim(), this.token, this.server);
  }

  /** Connects again after a 4429 refusal (a limit) or any refusal the page has since fixed. */
  reconnect(): void {
    this.connection.reconnect();
  }

  /** Sets the session language for everyone (what the language selector does). */
  setLanguage(language: Language): void {
    const room = this.connection.room;
    if (!room || !isLanguage(language)) return;
    room.doc.getMap(META_MAP).set(LANGUAGE_KEY, language);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('name') || changed.has('role')) this.connection.setUser(cleanName(this.name, 'Guest'), isRole(this.role) ? this.role : null);
    if (changed.has('role')) this.applyLock();
    // Before open(), so a token given together with the session is on the first connection.
    if (changed.has('token')) this.connection.setToken(this.token.trim());
    if (changed.has('server') || changed.has('session')) {
      if (this.session) this.connection.open(this.server || globalThis.location.origin, this.session.trim());
      else this.connection.close();
    }
  }

  protected override render(): unknown {
    const status = this.connection.status;
    const refused = status.closeCode !== undefined;
    const showControls = this.role === 'interviewer' && !!this.token && !!this.connection.room && !refused;
    const running = this.runs.running;
    const canRun = !running && status.state === 'connected' && this.editable;
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
        <button part="run" type="button" ?disabled=${!canRun} @click=${this.onRun}>
          ${running ? 'Running…' : 'Run'}
        </button>
        ${running ? html`<button part="stop" type="button" @click=${() => this.runs.stop()}>Stop</button>` : nothing}
        ${memberList(this.connection.members)}
        ${this.sessionLocked && !refused
          ? html`<span part="lock" role="note">${this.role === 'interviewer' ? 'Locked for candidates' : 'Locked by the interviewer'}</span>`
          : nothing}
        ${showControls
          ? interviewerControls(
              { locked: this.sessionLocked, busy: this.controlsBusy, confirmingEnd: this.confirmingEnd, error: this.controlsError },
              {
                toggleLock: () => void this.runControl(() => this.setReadOnly(!this.sessionLocked)),
                askEnd: () => (this.confirmingEnd = true),
                confirmEnd: () => void this.runControl(() => this.endSession()),
                cancelEnd: () => (this.confirmingEnd = false),
              },
            )
          : nothing}
        <span part="status" data-state=${status.state} role="status" aria-live="polite">${status.message}</span>
      </header>
      <main>
        ${!this.session
          ? html`<div class="notice">No session given: set the <code>session</code> attribute to a session id.</div>`
          : refused
            ? html`<div class="notice" role="alert">
                ${status.message}
                ${status.closeCode === CloseCode.TooMany
                  ? html`<button part="retry" type="button" @click=${() => this.reconnect()}>Try again</button>`
                  : nothing}
              </div>`
            : nothing}
        <div part="editor" ?hidden=${refused || !this.session}>${this.editorHost}</div>
        ${this.runs.render()}
      </main>
    `;
  }

  private bindRoom(room: Room | null): void {
    this.runs.setRoom(room);
    this.unbindRoom();
    if (!room) return;
    const host = this.editorHost;
    const text = room.doc.getText(CODE_TEXT);
    const meta = room.doc.getMap<unknown>(META_MAP);
    // Tracks only this participant's edits (the yCollab origin), so undo never removes others' typing.
    const undoManager = new Y.UndoManager(text);
    const language = isLanguage(meta.get(LANGUAGE_KEY)) ? (meta.get(LANGUAGE_KEY) as Language) : DEFAULT_LANGUAGE;
    this.currentLanguage = language;
    this.sessionLocked = meta.get(READ_ONLY_KEY) === true;
    const state = createEditorState({
      text,
      awareness: room.provider.awareness,
      undoManager,
      language,
      languageCompartment: this.languageCompartment,
      readOnlyCompartment: this.readOnlyCompartment,
      locked: !this.editable,
    });
    const view = new EditorView({ state, parent: host, root: this.shadowRoot ?? document });
    const onMeta = (): void => {
      this.applyLanguage(meta.get(LANGUAGE_KEY));
      this.applyLock(meta.get(READ_ONLY_KEY) === true);
    };
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

  /** Follows the session lock (`locked`, or the current one when only the role changed). */
  private applyLock(locked = this.sessionLocked): void {
    const changed = locked !== this.sessionLocked;
    this.sessionLocked = locked;
    this.binding?.view.dispatch({ effects: this.readOnlyCompartment.reconfigure(readOnlyExtension(!this.editable)) });
    if (changed) this.dispatchEvent(new RoomAccessEvent({ readOnly: locked, editable: this.editable }));
  }

  private onRefused(code: number): void {
    this.confirmingEnd = false;
    if (code === CloseCode.Unauthorized || code === CloseCode.Forbidden) {
      this.dispatchEvent(new RoomAuthRequiredEvent({ sessionId: this.session.trim(), closeCode: code }));
    } else if (code === CloseCode.SessionEnded) {
      this.dispatchEvent(new RoomEndedEvent(this.session.trim()));
    }
  }

  /** Runs an interviewer action with the buttons disabled; a failure is shown in the controls. */
  private async runControl(action: () => Promise<void>): Promise<void> {
    this.controlsBusy = true;
    this.controlsError = '';
    try {
      await action();
    } catch (error) {
      this.controlsError = `Could not do that: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.controlsBusy = false;
    }
  }

  private onLanguageChange(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    if (isLanguage(value)) this.setLanguage(value);
  }

  /** Asks the page (`room-run-request`, cancelable), then runs through the run controller and reports the result. */
  private async onRun(): Promise<void> {
    const request = { code: this.code, language: this.currentLanguage, timeoutMs: runTimeoutMs(this.runTimeout) };
    const requestEvent = new RoomRunRequestEvent(request);
    this.dispatchEvent(requestEvent);
    if (requestEvent.defaultPrevented) return;
    this.dispatchEvent(new RoomRunResultEvent(await this.runs.start(request, this.runner)));
  }

  /** Ctrl/Cmd-Enter runs the code, as the Run button does when it is enabled. */
  private onRunShortcut(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    event.preventDefault();
    event.stopPropagation();
    // The server records runs: none while disconnected, and none from candidates while the session is locked.
    if (!this.runs.running && this.connection.status.state === 'connected' && this.editable) void this.onRun();
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
