import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import { YjsMessageType } from '../../shared/protocol/yjs-messages.js';
import type { AccessService } from '../access/access-service.js';
import type { Presented } from '../access/authorize.js';
import type { Role } from '../../shared/roles.js';
import type { ConnectionCounter } from '../limits/connection-counter.js';
import { RatePolicy } from '../limits/token-bucket.js';
import type { ConnectionLogger, Logger } from '../logger.js';
import type { Metrics, ProtocolMeter } from '../observability/metrics.js';
import type { LiveSession, Participant } from '../sessions/live-session.js';
import type { SessionHub } from '../sessions/session-hub.js';
import { closeWith, safeSend, toBytes } from '../ws/safe-send.js';
import { corkUntilTickEnd } from '../ws/tick-cork.js';
import { applyAwarenessEntries, guardAwareness } from './awareness-guard.js';
import { awarenessFrame, YjsRoom, type YjsPeer } from './yjs-room.js';

/** Frames a client may send before its session has loaded; more is abuse. */
const MAX_EARLY_MESSAGES = 128;

/** A frame that does not follow the y-websocket protocol. */
class ProtocolError extends Error {}

/**
 * One y-websocket client of a live session. Speaks exactly what the stock `WebsocketProvider`
 * expects: sync step 1/2 and updates (y-protocols/sync), awareness, and query-awareness. One
 * object per socket holds all of its state (its rate limit is a number, its logger is made on the
 * first line it logs), and the socket's listeners are functions shared by every socket:
 * per-socket closures, small objects and listener arrays are most of what an idle participant
 * costs the server.
 *
 *   loading ──(session loaded)──► open ──► closed
 *      │ frames are queued          │ frames are handled in order
 *      └──(unknown/expired/failed)──► closed with 4404 / 4410 / 1013
 */
class YjsConnection implements Participant, YjsPeer, ConnectionLogger {
  holdsAwareness = false;
  awarenessFrame: Uint8Array | null = null;
  /** The awareness client id this connection speaks for: the first one it sets. */
  awarenessId: number | null = null;
  /** Granted once the session is loaded; nothing reads them before. */
  role: Role = 'candidate';
  epoch = 0;
  private live: LiveSession | null = null;
  /** Frames that arrived while the session loaded; null once it has (or while none came). */
  private early: Uint8Array[] | null = null;
  private closed = false;
  /** This connection's token bucket under `context.rate`. */
  private rateState = RatePolicy.FULL;
  /** The pino child this connection logs with, made on its first line. */
  private child: Logger | undefined;

  constructor(
    private readonly ws: WebSocket,
    /** The TCP connection under `ws`: corked while a callback sends, so its frames leave together. */
    private readonly socket: Duplex,
    private readonly context: YjsContext,
    /** Numbers the connection in its log lines. */
    private readonly connId: number,
    /** Until the session has loaded, the id from the URL; then the session's own string. */
    private sessionId: string,
    private readonly address: string,
  ) {
    connections.set(ws, this);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
  }

  get kind(): 'yjs' {
    return 'yjs';
  }

  /** Admits the client to its session and, once the session is loaded, joins it. */
  admit(presented: Presented): void {
    this.context.access.admit(this.sessionId, presented).then(
      ({ live, grant }) => {
        if (this.closed) return;
        this.live = live;
        this.sessionId = live.id;
        // Made with the first Yjs participant: it fans the session's changes out to them all.
        YjsRoom.of(live);
        this.role = grant.role;
        this.epoch = grant.epoch;
        this.context.hub.join(live, this);
        this.start(live);
        const early = this.early;
        this.early = null;
        if (early) for (const message of early) this.handle(message);
      },
      (error: { closeCode?: number; message?: string }) => {
        closeWith(this.ws, error.closeCode ?? CloseCode.TryAgainLater, error.message ?? 'session unavailable');
      },
    );
  }

  /** A frame from the socket: metered, rate-limited, then handled or queued until the session has loaded. */
  receive(data: WebSocket.RawData): void {
    const bytes = toBytes(data);
    this.context.meter?.received(bytes.length);
    // A Yjs update cannot be dropped without the peers diverging, so a flood closes the
    // connection instead: the client reconnects and resynchronizes, losing nothing.
    const rateState = this.context.rate.take(this.rateState);
    if (rateState < 0) {
      this.context.metrics?.errors.inc({ kind: 'too_many_messages' });
      return closeWith(this.ws, CloseCode.TooMany, 'too many messages; slow down');
    }
    this.rateState = rateState;
    if (this.live) return this.handle(bytes);
    const early = (this.early ??= []);
    if (early.length >= MAX_EARLY_MESSAGES) return closeWith(this.ws, CloseCode.BadRequest, 'too many messages before sync');
    early.push(bytes);
  }

  /** The socket closed: frees its address slot and leaves the session. */
  onClosed(): void {
    this.closed = true;
    connections.delete(this.ws);
    this.context.perAddress.release(this.address);
    if (this.live) {
      this.context.hub.leave(this.live, this);
      this.withdrawAwareness(this.live);
    }
  }

  /** Sends sync step 1 and the current awareness states (it already hears the room as a participant). */
  private start(live: LiveSession): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.Sync);
    syncProtocol.writeSyncStep1(encoder, live.doc);
    this.send(encoding.toUint8Array(encoder));
    const states = live.awareness.getStates();
    if (states.size > 0) this.send(awarenessMessage(live, [...states.keys()]));
  }

  /** Handles one frame; a malformed frame closes this connection only, changing nothing. */
  private handle(message: Uint8Array): void {
    const live = this.live;
    if (!live || this.ws.readyState !== WebSocket.OPEN) return;
    try {
      this.dispatch(live, message);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.message : 'malformed y-websocket message';
      this.warn({ err: error, bytes: message.length }, 'closing yjs connection after a bad frame');
      this.context.metrics?.errors.inc({ kind: 'bad_yjs_frame' });
      closeWith(this.ws, CloseCode.BadRequest, reason);
    }
  }

  send(message: Uint8Array): void {
    corkUntilTickEnd(this.socket);
    if (safeSend(this.ws, message)) this.context.meter?.sent(message.length);
  }

  close(code: number, reason: string): void {
    closeWith(this.ws, code, reason);
  }

  warn(fields: object, message: string): void {
    this.logger().warn(fields, message);
  }

  error(fields: object, message: string): void {
    this.logger().error(fields, message);
  }

  private logger(): Logger {
    return (this.child ??= this.context.logger.child({ conn: this.connId, path: '/yjs', sessionId: this.sessionId }));
  }

  /** Withdraws the awareness state this client set, telling the others it left. */
  private withdrawAwareness(live: LiveSession): void {
    if (this.holdsAwareness && this.awarenessId !== null) {
      awarenessProtocol.removeAwarenessStates(live.awareness, [this.awarenessId], null);
    }
  }

  private dispatch(live: LiveSession, message: Uint8Array): void {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case YjsMessageType.Sync:
        return this.handleSync(live, decoder);
      case YjsMessageType.Awareness: {
        const received = decoding.readVarUint8Array(decoder);
        const guarded = guardAwareness(received, (id) => this.owns(live, id), this.role);
        if (!guarded) return;
        // The room relays this frame as it is (or as rewritten) instead of encoding the states again.
        this.awarenessFrame = guarded.update === received ? message : awarenessFrame(guarded.update);
        try {
          applyAwarenessEntries(live.awareness, guarded.entries, this);
        } finally {
          this.awarenessFrame = null;
        }
        return;
      }
      case YjsMessageType.QueryAwareness:
        this.send(awarenessMessage(live, [...live.awareness.getStates().keys()]));
        return;
      default:
        throw new ProtocolError(`unknown message type ${type}`);
    }
  }

  private handleSync(live: LiveSession, decoder: decoding.Decoder): void {
    const syncType = decoding.readVarUint(decoder);
    switch (syncType) {
      case syncProtocol.messageYjsSyncStep1: {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, YjsMessageType.Sync);
        syncProtocol.readSyncStep1(decoder, encoder, live.doc);
        this.send(encoding.toUint8Array(encoder));
        return;
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate: {
        const update = decoding.readVarUint8Array(decoder);
        // Decode fully before applying: applyUpdate integrates structs before it reads the delete
        // set, so a frame corrupt at its end would otherwise be half applied.
        const decoded = Y.decodeUpdate(update);
        if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return;
        if (this.role === 'candidate' && live.record.access.readOnly) return this.deny('read-only: the interviewer has locked the editor');
        if (!this.context.hub.fits(live, update.length)) {
          this.context.metrics?.errors.inc({ kind: 'document_too_large' });
          return this.deny(`document size limit reached (${this.context.hub.maxDocumentBytes} bytes); the change was not applied`);
        }
        const started = performance.now();
        Y.applyUpdate(live.doc, update, this);
        this.context.meter?.fanout.observe((performance.now() - started) / 1000);
        return;
      }
      default:
        throw new ProtocolError(`unknown sync message type ${syncType}`);
    }
  }

  /** Refuses an edit with y-protocols' permission-denied message (the stock provider logs it). */
  private deny(reason: string): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.Auth);
    authProtocol.writePermissionDenied(encoder, reason);
    this.send(encoding.toUint8Array(encoder));
  }

  /** Whether this connection may set the awareness state of `clientId`: only its own one. */
  private owns(live: LiveSession, clientId: number): boolean {
    if (this.awarenessId === null) {
      // Claiming an id someone else already holds is refused: nobody may pose as another.
      if (live.awareness.getStates().has(clientId)) return false;
      this.awarenessId = clientId;
    }
    return clientId === this.awarenessId;
  }
}

/** An awareness message with the current states of `clients`. */
function awarenessMessage(live: LiveSession, clients: number[]): Uint8Array {
  return awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(live.awareness, clients));
}

/** Each `/yjs` socket's connection, for the listeners below, which every socket shares. */
const connections = new WeakMap<WebSocket, YjsConnection>();

function onMessage(this: WebSocket, data: WebSocket.RawData): void {
  connections.get(this)?.receive(data);
}

function onClose(this: WebSocket): void {
  connections.get(this)?.onClosed();
}

function onError(this: WebSocket, error: Error): void {
  connections.get(this)?.warn({ err: error }, 'websocket error');
}

/** What `/yjs` connections need from the server; one object shared by all of them. */
export interface YjsContext {
  hub: SessionHub;
  access: AccessService;
  /** Connections per client address; a connection frees its slot when its socket closes. */
  perAddress: ConnectionCounter;
  metrics?: Metrics;
  meter?: ProtocolMeter;
  /** Messages per second and burst allowed to each connection. */
  rate: RatePolicy;
  /** Each connection's log lines go to a child of this logger. */
  logger: Logger;
}

/**
 * Serves one WebSocket on `/yjs/<sessionId>` whose `address` already holds a connection slot:
 * checks the client's credentials (a `token` query parameter) and the limits, then queues frames
 * that arrive while the document loads and handles them only once it is fully loaded, so no sync
 * answer is ever computed from a partial document.
 */
export function acceptYjsConnection(
  ws: WebSocket,
  socket: Duplex,
  sessionId: string,
  presented: Presented,
  address: string,
  context: YjsContext,
  connId: number,
): void {
  new YjsConnection(ws, socket, context, connId, sessionId, address).admit(presented);
}
