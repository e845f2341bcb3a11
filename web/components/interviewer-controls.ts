/**
 * The interviewer's controls inside `<interview-room>` (the `controls` part): lock the editor for
 * candidates, and end the session after a confirmation. A template function, not an element: the
 * state lives in the room, which owns the token and sees the lock through the shared document.
 */
import { html, nothing, type TemplateResult } from 'lit';

/** What the controls show. */
export interface ControlsState {
  /** Whether the session is locked (`meta.readOnly`). */
  locked: boolean;
  /** A request is in flight: the buttons are disabled. */
  busy: boolean;
  /** "End session" was pressed once: ask before ending for everyone. */
  confirmingEnd: boolean;
  /** The last failure, shown as text. */
  error: string;
}

/** What the controls do. */
export interface ControlsActions {
  toggleLock(): void;
  askEnd(): void;
  confirmEnd(): void;
  cancelEnd(): void;
}

/** The controls' template. */
export function interviewerControls(state: ControlsState, actions: ControlsActions): TemplateResult {
  return html`<div part="controls" role="group" aria-label="Interviewer controls">
    <button
      part="lock-toggle"
      type="button"
      aria-pressed=${state.locked ? 'true' : 'false'}
      ?disabled=${state.busy}
      @click=${actions.toggleLock}
    >
      ${state.locked ? 'Unlock editor' : 'Lock editor'}
    </button>
    ${state.confirmingEnd
      ? html`<span class="confirm" role="alertdialog" aria-label="End the session">
          End the session for everyone?
          <button part="end-confirm" type="button" class="danger" ?disabled=${state.busy} @click=${actions.confirmEnd}>End now</button>
          <button type="button" ?disabled=${state.busy} @click=${actions.cancelEnd}>Cancel</button>
        </span>`
      : html`<button part="end" type="button" ?disabled=${state.busy} @click=${actions.askEnd}>End session</button>`}
    ${state.error ? html`<span class="controls-error" role="alert">${state.error}</span>` : nothing}
  </div>`;
}
