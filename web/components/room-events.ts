/**
 * The DOM events `<interview-room>` fires. Each is an `Event` subclass with a typed `detail`,
 * bubbles and is composed, so an embedder can listen on the element or on any ancestor.
 */
import type { ConnectionState, ConnectionStatus } from '../connection/connection-status.js';
import type { Participant } from '../connection/participants.js';
import type { RunRequest, RunResult } from '../run/runner.js';

/** Fired whenever the connection state or its explanation changes. */
export class RoomStatusEvent extends Event {
  /** Event name: `room-status`. */
  static readonly type = 'room-status';
  /** The new status: `state` plus a human-readable `message` (and `closeCode` for a refused session). */
  readonly detail: ConnectionStatus;
  constructor(detail: ConnectionStatus) {
    super(RoomStatusEvent.type, { bubbles: true, composed: true });
    this.detail = detail;
  }
  /** Shorthand for `detail.state`. */
  get state(): ConnectionState {
    return this.detail.state;
  }
}

/** Fired when someone joins, leaves, or changes name or colour (local user included, listed first). */
export class RoomParticipantsEvent extends Event {
  /** Event name: `room-participants`. */
  static readonly type = 'room-participants';
  /** Everyone currently in the room. */
  readonly detail: { participants: readonly Participant[] };
  constructor(participants: readonly Participant[]) {
    super(RoomParticipantsEvent.type, { bubbles: true, composed: true });
    this.detail = { participants };
  }
}

/**
 * Fired when the user presses Run, before anything executes. Cancelable: an embedder that runs
 * code its own way calls `preventDefault()` and the element does nothing further.
 */
export class RoomRunRequestEvent extends Event {
  /** Event name: `room-run-request`. */
  static readonly type = 'room-run-request';
  /** The code and language about to run. */
  readonly detail: RunRequest;
  constructor(detail: RunRequest) {
    super(RoomRunRequestEvent.type, { bubbles: true, composed: true, cancelable: true });
    this.detail = detail;
  }
}

/** Fired when a run finished (successfully or not) and its output is shown. */
export class RoomRunResultEvent extends Event {
  /** Event name: `room-run-result`. */
  static readonly type = 'room-run-result';
  /** What the runner produced. */
  readonly detail: RunResult;
  constructor(detail: RunResult) {
    super(RoomRunResultEvent.type, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface HTMLElementEventMap {
    'room-status': RoomStatusEvent;
    'room-participants': RoomParticipantsEvent;
    'room-run-request': RoomRunRequestEvent;
    'room-run-result': RoomRunResultEvent;
  }
}
