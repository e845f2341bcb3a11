/**
 * The DOM events `<interview-room>` fires. Each is an `Event` subclass with a typed `detail`,
 * bubbles and is composed, so an embedder can listen on the element or on any ancestor.
 */
import type { ConnectionState, ConnectionStatus } from '../connection/connection-status.js';
import type { RoomMember } from '../connection/room-members.js';
import type { RunRequest, RunResult } from '../runs/runner.js';

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
  readonly detail: { participants: readonly RoomMember[] };
  constructor(participants: readonly RoomMember[]) {
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

/**
 * Fired when the server refused the connection for want of valid credentials (close 4401: a
 * private session without a token, an expired token, or access changed by the interviewer). The
 * element stays offline until it gets a new `token`, which reconnects it at once.
 */
export class RoomAuthRequiredEvent extends Event {
  /** Event name: `room-auth-required`. */
  static readonly type = 'room-auth-required';
  /** The session that needs credentials and the close code (4401, or 4403 for a token of another session). */
  readonly detail: { sessionId: string; closeCode: number };
  constructor(detail: { sessionId: string; closeCode: number }) {
    super(RoomAuthRequiredEvent.type, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

/** Fired when the interviewer locks or unlocks the editor (`meta.readOnly`), and once on joining a locked session. */
export class RoomAccessEvent extends Event {
  /** Event name: `room-access`. */
  static readonly type = 'room-access';
  /** `readOnly`: whether the session is locked; `editable`: whether this participant may type. */
  readonly detail: { readOnly: boolean; editable: boolean };
  constructor(detail: { readOnly: boolean; editable: boolean }) {
    super(RoomAccessEvent.type, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

/** Fired when the session was ended by the interviewer (close 4411); the element stays offline. */
export class RoomEndedEvent extends Event {
  /** Event name: `room-ended`. */
  static readonly type = 'room-ended';
  /** The session that ended. */
  readonly detail: { sessionId: string };
  constructor(sessionId: string) {
    super(RoomEndedEvent.type, { bubbles: true, composed: true });
    this.detail = { sessionId };
  }
}

declare global {
  interface HTMLElementEventMap {
    'room-status': RoomStatusEvent;
    'room-participants': RoomParticipantsEvent;
    'room-run-request': RoomRunRequestEvent;
    'room-run-result': RoomRunResultEvent;
    'room-auth-required': RoomAuthRequiredEvent;
    'room-access': RoomAccessEvent;
    'room-ended': RoomEndedEvent;
  }
}
