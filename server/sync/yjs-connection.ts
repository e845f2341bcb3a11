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
import type { Grant, Presented } from '../access/authorize.js';
import type { Role } from '../access/tokens.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { ConnectionLogger } from '../logger.js';
import type { Metrics, ProtocolMeter } from '../observability/metrics.js';
import type { LiveSession, Participant } from '../sessions/live-session.js';
import type { SessionHub } from '../sessions/session-hub.js';
import { closeWith, safeSend, toBytes } from '../ws/safe-send.js';
import { applyAwarenessEntries, guardAwareness } from './awareness-guard.js';
import { awarenessFrame, YjsRoom, type YjsPeer } from './yjs-room.js';

/** Frames a client may send before its session has loaded; more is abuse. */
const MAX_EARLY_MESSAGES = 128;

/** A frame that does not follow the y-websocket protocol. */
class ProtocolError extends Error {}

/**
 * One y-websocket client of a live session. Speaks exactly what the stock `WebsocketProvider`
 * expects: sync step 1/2 and updates (y-protocols/sync), awareness, and query-awareness.
 *
 *   open ──► loading ──(session loaded)──► syncing ──► closed
 *              │ frames are queued             │ frames are handled in order
 *              └──(unknown/expired/failed)──► closed with 4404 / 4410 / 1013
 */
class YjsConnection implements Participant, YjsPeer {
  readonly kind = 'yjs' as const;
  holdsAwareness = false;
  awarenessFrame: Uint8Array | null = null;
  readonly role: Role;
  readonly epoch: number;
  private readonly room: YjsRoom;
  /** The awareness client id this connection speaks for: the first one it sets. */
  awarenessId: number | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly live: LiveSession,
    grant: Grant,
    private readonly context: YjsContext,
    private readonly log: ConnectionLogger,
  ) {
    this.role = grant.role;
    this.epoch = grant.epoch;
    this.room = YjsRoom.of(live);
  }

  /** Registers with the room and sends sync step 1 and the current awareness states. */
  start(): void {
    this.room.peers.add(this);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.Sync);
    syncProtocol.writeSyncStep1(encoder, this.live.doc);
    this.send(encoding.toUint8Array(encoder));
    const states = this.live.awareness.getStates();
    if (states.size > 0) this.send(this.awarenessMessage([...states.keys()]));
  }

  /** Handles one frame; a malformed frame closes this connection only, changing nothing. */
  handle(message: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    try {
      this.dispatch(message);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.message : 'malformed y-websocket message';
      this.log.warn({ err: error, bytes: message.length }, 'closing yjs connection after a bad frame');
      this.context.metrics?.errors.inc({ kind: 'bad_yjs_frame' });
      closeWith(this.ws, CloseCode.BadRequest, reason);
    }
  }

  send(message: Uint8Array): void {
    safeSend(this.ws, message);
  }

  close(code: number, reason: string): void {
    closeWith(this.ws, code, reason);
  }

  /** Leaves the room and withdraws the awareness states this client set. */
  dispose(): void {
    this.room.peers.delete(this);
    if (this.holdsAwareness && this.awarenessId !== null) {
      awarenessProtocol.removeAwarenessStates(this.live.awareness, [this.awarenessId], null);
    }
  }

  private dispatch(message: Uint8Array): void {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case YjsMessageType.Sync:
        return this.handleSync(decoder);
      case YjsMessageType.Awareness: {
        const received = decoding.readVarUint8Array(decoder);
        const guarded = guardAwareness(received, (id) => this.owns(id), this.role);
        if (!guarded) return;
        // The room relays this frame as it is (or as rewritten) instead of encoding the states again.
        this.awarenessFrame = guarded.update === received ? message : awarenessFrame(guarded.update);
        try {
          applyAwarenessEntries(this.live.awareness, guarded.entries, this);
        } finally {
          this.awarenessFrame = null;
        }
        return;
      }
      case YjsMessageType.QueryAwareness:
        this.send(this.awarenessMessage([...this.live.awareness.getStates().keys()]));
        return;
      default:
        throw new ProtocolError(`unknown message type ${type}`);
    }
  }

  private handleSync(decoder: decoding.Decoder): void {
    const syncType = decoding.readVarUint(decoder);
    switch (syncType) {
      case syncProtocol.messageYjsSyncStep1: {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, YjsMessageType.Sync);
        syncProtocol.readSyncStep1(decoder, encoder, this.live.doc);
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
        if (this.role === 'candidate' && this.live.record.access.readOnly) return this.deny('read-only: the interviewer has locked the editor');
        if (!this.context.hub.fits(this.live, update.length)) {
          this.context.metrics?.errors.inc({ kind: 'document_too_large' });
          return this.deny(`document size limit reached (${this.context.hub.maxDocumentBytes} bytes); the change was not applied`);
        }
        const started = performance.now();
        Y.applyUpdate(this.live.doc, update, this);
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
  private owns(clientId: number): boolean {
    if (this.awarenessId === null) {
      // Claiming an id someone else already holds is refused: nobody may pose as another.
      if (this.live.awareness.getStates().has(clientId)) return false;
      this.awarenessId = clientId;
    }
    return clientId === this.awarenessId;
  }

  private awarenessMessage(clients: number[]): Uint8Array {
    return awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.live.awareness, clients));
  }
}

/** What `/yjs` connections need from the server; one object shared by all of them. */
export interface YjsContext {
  hub: SessionHub;
  access: AccessService;
  metrics?: Metrics;
  meter?: ProtocolMeter;
  messagesPerSecond: number;
  messageBurst: number;
}

/**
 * Serves one WebSocket on `/yjs/<sessionId>`: checks the client's credentials (a `token` query
 * parameter) and the limits, then queues frames that arrive while the document loads and handles
 * them only once it is fully loaded, so no sync answer is ever computed from a partial document.
 */
export function acceptYjsConnection(ws: WebSocket, sessionId: string, presented: Presented, context: YjsContext, log: ConnectionLogger): void {
  const early: Uint8Array[] = [];
  const rate = new TokenBucket(context.messagesPerSecond, context.messageBurst);
  let connection: YjsConnection | null = null;
  let live: LiveSession | null = null;
  let closed = false;

  ws.on('message', (data) => {
    // A Yjs update cannot be dropped without the peers diverging, so a flood closes the
    // connection instead: the client reconnects and resynchronizes, losing nothing.
    if (!rate.take()) {
      context.metrics?.errors.inc({ kind: 'too_many_messages' });
      return closeWith(ws, CloseCode.TooMany, 'too many messages; slow down');
    }
    const bytes = toBytes(data);
    if (connection) return connection.handle(bytes);
    if (early.length >= MAX_EARLY_MESSAGES) return closeWith(ws, CloseCode.BadRequest, 'too many messages before sync');
    early.push(bytes);
  });
  ws.on('close', () => {
    closed = true;
    if (connection && live) {
      connection.dispose();
      context.hub.leave(live, connection);
    }
  });

  context.access.admit(sessionId, presented).then(
    ({ live: opened, grant }) => {
      if (closed) return;
      live = opened;
      connection = new YjsConnection(ws, opened, grant, context, log);
      context.hub.join(opened, connection);
      connection.start();
      for (const message of early.splice(0)) connection.handle(message);
    },
    (error: { closeCode?: number; message?: string }) => {
      closeWith(ws, error.closeCode ?? CloseCode.TryAgainLater, error.message ?? 'session unavailable');
    },
  );
}
