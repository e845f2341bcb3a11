import type { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { AccessService } from '../access/access-service.js';
import type { Grant, Presented } from '../access/authorize.js';
import type { Role } from '../../shared/roles.js';
import type { ConnectionCounter } from '../limits/connection-counter.js';
import { RatePolicy } from '../limits/token-bucket.js';
import type { Logger } from '../logger.js';
import type { Metrics, Protocol, ProtocolMeter } from '../observability/metrics.js';
import type { LiveSession, Participant } from '../sessions/live-session.js';
import { SessionError } from '../sessions/session-error.js';
import type { SessionHub } from '../sessions/session-hub.js';
import { closeWith } from './safe-send.js';

/** What every connection of one protocol needs from the server; one object shared by all of them. */
export interface ConnectionContext {
  hub: SessionHub;
  access: AccessService;
  /** Connections per client address; a connection frees its slot when its socket closes. */
  perAddress: ConnectionCounter;
  /** Messages per second and burst allowed to each connection. */
  rate: RatePolicy;
  /** Update bytes a connection may log per minute (CONNECTION_LOG_PER_MINUTE). */
  connectionLog: RatePolicy;
  /** Update bytes a session may log per minute (SESSION_LOG_PER_MINUTE). */
  sessionLog: RatePolicy;
  /** Each connection's log lines go to a child of this logger. */
  logger: Logger;
  metrics?: Metrics;
  meter?: ProtocolMeter;
}

/** Frames a client may send while its join is being answered; more is abuse. */
const MAX_QUEUED_WHILE_JOINING = 128;

/**
 * The one pipeline every WebSocket client goes through, whatever its protocol:
 *
 *   idle ──join──► joining ──(admitted)──► joined ──(socket closed)──► closed
 *    ▲               │ frames queue             │ frames handled in order
 *    └──(refused)────┘                          └─ leaving the session on close
 *
 * Admission checks credentials and limits and loads the document (AccessService.admit); a
 * refusal is reported by the protocol (a close code, or a JSON error after which the client may
 * try again). Every frame is metered and rate-limited here first, with one RatePolicy; the
 * protocols differ only in how they read frames, answer a join and report a refusal. One object
 * per socket holds all of its state, and the socket's listeners are functions shared by every
 * socket: per-socket closures are most of what an idle participant costs the server.
 */
export abstract class Connection<Frame, Context extends ConnectionContext = ConnectionContext> implements Participant {
  abstract readonly kind: Protocol;
  /** Granted on admission; nothing reads them before. */
  role: Role = 'candidate';
  epoch = 0;
  expiresAt = Infinity;
  protected live: LiveSession | null = null;
  protected phase: 'idle' | 'joining' | 'joined' | 'closed' = 'idle';
  /** Frames that arrived while joining; null while none did. */
  private queued: Frame[] | null = null;
  /** This connection's token bucket under `context.rate`. */
  private rateState = RatePolicy.FULL;
  private refusedInARow = 0;
  /** This connection's bucket of update bytes under `context.connectionLog`. */
  private logBudget = RatePolicy.FULL;
  /** The pino child this connection logs with, made on its first line. */
  private child: Logger | undefined;

  constructor(
    protected readonly ws: WebSocket,
    protected readonly context: Context,
    /** Numbers the connection in its log lines. */
    private readonly connId: number,
    /** The session's id once known (from the URL, or the join). */
    protected sessionId: string,
    private readonly address: string,
  ) {
    sockets.set(ws, this as Connection<unknown, ConnectionContext>);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
  }

  /**
   * Messages refused in a row for going over the rate before the connection is closed. A Yjs
   * update cannot be dropped without the peers diverging, so a Yjs flood closes at once (the
   * client reconnects and resynchronizes, losing nothing); a JSON message can be refused.
   */
  protected get refusalsBeforeClose(): number {
    return 1;
  }

  /** Reads one received frame; undefined when it is not one (the protocol has answered it). */
  protected abstract decode(data: WebSocket.RawData, isBinary: boolean): Frame | undefined;
  /** Handles one frame of an admitted connection (or, for a protocol that joins by message, of an idle one). */
  protected abstract handle(frame: Frame): void;
  /** The connection joined `live`; frames queued meanwhile are handled right after. */
  protected abstract opened(live: LiveSession, grant: Grant): void;
  /** The join was refused with `refusal`. */
  protected abstract refused(refusal: SessionError): void;
  /** A message was dropped: tells the client, when its protocol can. */
  protected abstract report(code: ErrorCode, message: string): void;
  /** The socket closed; `live` is the session it had joined, if any (already left). */
  protected abstract closed(live: LiveSession | null): void;

  /** Closes the connection with a WebSocket close code and a reason. */
  close(code: number, reason: string): void {
    closeWith(this.ws, code, reason);
  }

  /** Asks to join `sessionId` with `presented` credentials: admission, then `opened` or `refused`. */
  protected join(sessionId: string, presented: Presented): void {
    this.phase = 'joining';
    // The address goes with every credential check: guesses are throttled per address.
    this.context.access.admit(sessionId, { ...presented, address: this.address }).then(
      ({ live, grant }) => {
        if (this.phase === 'closed') return;
        this.live = live;
        this.sessionId = live.id;
        this.role = grant.role;
        this.epoch = grant.epoch;
        this.expiresAt = grant.expiresAt;
        this.phase = 'joined';
        this.context.hub.join(live, this);
        // Access may have changed while the session loaded (ended, password changed): changes
        // made from now on find this connection among the participants; earlier ones are caught here.
        const revoked = this.context.access.revoked(live, this);
        if (revoked) return this.close(revoked.closeCode, revoked.message);
        this.opened(live, grant);
        this.drain();
      },
      (error: unknown) => {
        if (this.phase === 'closed') return;
        this.phase = 'idle';
        this.refused(this.refusalOf(error));
        this.drain();
      },
    );
  }

  /** A frame from the socket: metered, rate-limited, then handled or queued while joining. */
  receive(data: WebSocket.RawData, isBinary: boolean): void {
    this.context.meter?.received(byteLength(data));
    const rateState = this.context.rate.take(this.rateState);
    if (rateState < 0) return this.overRate();
    this.rateState = rateState;
    this.refusedInARow = 0;
    const frame = this.decode(data, isBinary);
    if (frame === undefined) return;
    if (this.phase !== 'joining') return this.handle(frame);
    const queued = (this.queued ??= []);
    if (queued.length >= MAX_QUEUED_WHILE_JOINING) return this.close(CloseCode.BadRequest, 'too many messages before the session opened');
    queued.push(frame);
  }

  /** The socket closed: frees its address slot and leaves the session. */
  onClosed(): void {
    this.phase = 'closed';
    this.queued = null;
    sockets.delete(this.ws);
    this.context.perAddress.release(this.address);
    const live = this.live;
    if (live) this.context.hub.leave(live, this);
    this.closed(live);
  }

  /**
   * Whether this connection may now change `live` by an update of `bytes` encoded bytes; the
   * refusal (nothing is applied) when not. Judged when the change takes effect, for both
   * protocols alike: the lock, the document size, and how much the connection and the session
   * have logged in the last minute (the history is kept, so storage grows with every update).
   * `lockApplies` false skips the lock: a run started before the lock may still record its end.
   */
  protected judgeWrite(live: LiveSession, bytes: number, lockApplies = true): SessionError | null {
    if (this.expiresAt <= Date.now()) return new SessionError(ErrorCode.Unauthorized, 'your access has expired; sign in again');
    if (lockApplies && this.role === 'candidate' && live.readOnly) {
      return new SessionError(ErrorCode.ReadOnly, 'read-only: the interviewer has locked the editor; nothing changed');
    }
    if (bytes === 0) return null;
    const { hub, metrics } = this.context;
    if (!hub.fits(live, bytes)) {
      metrics?.errors.inc({ kind: 'document_too_large' });
      return new SessionError(ErrorCode.DocumentTooLarge, `document size limit reached (${hub.maxDocumentBytes} bytes); nothing changed`);
    }
    const budget = this.context.connectionLog.take(this.logBudget, bytes);
    if (budget < 0 || !live.takeLogBudget(this.context.sessionLog, bytes)) {
      metrics?.errors.inc({ kind: 'log_rate_limited' });
      const whose = budget < 0 ? 'this connection' : 'this session';
      return new SessionError(ErrorCode.RateLimited, `${whose} has changed too much in the last minute; wait a little; nothing changed`);
    }
    this.logBudget = budget;
    return null;
  }

  warn(fields: object, message: string): void {
    this.logger().warn(fields, message);
  }

  error(fields: object, message: string): void {
    this.logger().error(fields, message);
  }

  private logger(): Logger {
    return (this.child ??= this.context.logger.child({ conn: this.connId, path: this.kind === 'yjs' ? '/yjs' : '/ws', sessionId: this.sessionId || undefined }));
  }

  private overRate(): void {
    this.refusedInARow++;
    if (this.refusedInARow >= this.refusalsBeforeClose) {
      this.context.metrics?.errors.inc({ kind: 'too_many_messages' });
      return this.close(CloseCode.TooMany, 'too many messages; slow down');
    }
    this.report(ErrorCode.RateLimited, 'too many messages; this one was dropped');
  }

  /** Handles what queued while joining, in order (a refusal leaves later frames to the protocol). */
  private drain(): void {
    const queued = this.queued;
    this.queued = null;
    if (!queued) return;
    for (const [index, frame] of queued.entries()) {
      if (this.phase === 'closed') return;
      // A frame may have started another join: the rest waits for it.
      if (this.phase === 'joining') {
        (this.queued ??= []).push(...queued.slice(index));
        return;
      }
      this.handle(frame);
    }
  }

  /** Turns a failed admission into a refusal; anything but a SessionError is a fault of ours, logged. */
  private refusalOf(error: unknown): SessionError {
    if (error instanceof SessionError) return error;
    this.error({ err: error }, 'join failed');
    return new SessionError(ErrorCode.Unavailable, 'the session could not be opened; try again');
  }
}

/** Bytes in a `ws` message payload, without copying it. */
function byteLength(data: WebSocket.RawData): number {
  return Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength;
}

/** Each socket's connection, for the listeners below, which every socket shares. */
const sockets = new WeakMap<WebSocket, Connection<unknown, ConnectionContext>>();

function onMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
  sockets.get(this)?.receive(data, isBinary);
}

function onClose(this: WebSocket): void {
  sockets.get(this)?.onClosed();
}

function onError(this: WebSocket, error: Error): void {
  sockets.get(this)?.warn({ err: error }, 'websocket error');
}
