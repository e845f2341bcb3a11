import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import type { ErrorCode } from '../../shared/protocol/errors.js';
import { encodeRunMessage, readRunPayload } from '../../shared/protocol/run-messages.js';
import { YjsMessageType } from '../../shared/protocol/yjs-messages.js';
import type { Presented } from '../access/authorize.js';
import { RatePolicy } from '../limits/token-bucket.js';
import { parseRunMessage } from '../runs/parse-run-message.js';
import type { RunAuthor, RunRecorder } from '../runs/run-recorder.js';
import { applyAwarenessEntries } from '../sessions/awareness-internals.js';
import type { LiveSession } from '../sessions/live-session.js';
import type { SessionError } from '../sessions/session-error.js';
import { Connection, type ConnectionContext } from '../ws/connection.js';
import { safeSend, toBytes } from '../ws/safe-send.js';
import type { TickCork } from '../ws/tick-cork.js';
import { guardAwareness } from './awareness-guard.js';
import { missingDependency } from './update-dependencies.js';
import { forbiddenChange } from './update-scope.js';
import { encodeAwarenessMessage, relayAwareness, type YjsPeer } from './yjs-fanout.js';

/** What `/yjs` connections need from the server; one object shared by all of them. */
export interface YjsContext extends ConnectionContext {
  /** Holds a callback's frames to one socket until it ends, while the server is busy. */
  cork: TickCork;
  /** Awareness bytes a connection may send per second (AWARENESS_BYTES_PER_SECOND). */
  awarenessRate: RatePolicy;
  /** Largest awareness state of one client (MAX_AWARENESS_BYTES). */
  maxAwarenessBytes: number;
  /** Records the runs connections report in run messages. */
  runs: RunRecorder;
}

/** A frame that does not follow the y-websocket protocol. */
class ProtocolError extends Error {}

/**
 * One y-websocket client of a live session. Speaks exactly what the stock `WebsocketProvider`
 * expects: sync step 1/2 and updates (y-protocols/sync), awareness, and query-awareness, plus our
 * client's run messages (shared/protocol/run-messages.ts), which the RunRecorder records. It
 * joins the session named in its URL at once; frames that arrive while the document loads wait,
 * so no sync answer is ever computed from a partial document. A refused join closes the socket
 * with the refusal's code (4404 unknown, 4410 expired, 4401 unauthorized, 1013 unavailable, ...).
 */
export class YjsConnection extends Connection<Uint8Array, YjsContext> implements YjsPeer, RunAuthor {
  /** Whether the awareness holds a state this client set; withdrawn when it leaves. */
  private holdsAwareness = false;
  /** The awareness client id this connection speaks for: the first one it sets. */
  private claimedId: number | null = null;
  /** This connection's bucket of awareness bytes under `context.awarenessRate`. */
  private awarenessBudget = RatePolicy.FULL;

  constructor(
    ws: WebSocket,
    /** The TCP connection under `ws`: corked while a callback sends, so its frames leave together. */
    private readonly socket: Duplex,
    context: YjsContext,
    connId: number,
    sessionId: string,
    address: string,
    presented: Presented,
  ) {
    super(ws, context, connId, sessionId, address);
    this.join(sessionId, presented);
  }

  get kind(): 'yjs' {
    return 'yjs';
  }

  /** The awareness client id this connection speaks for (the first it set); null before. */
  get awarenessId(): number | null {
    return this.claimedId;
  }

  send(message: Uint8Array): void {
    this.context.cork.hold(this.socket);
    if (safeSend(this.ws, message)) this.context.meter?.sent(message.length);
  }

  protected decode(data: WebSocket.RawData): Uint8Array {
    return toBytes(data);
  }

  protected refused(refusal: SessionError): void {
    this.close(refusal.closeCode, refusal.message);
  }

  /** Never called: a Yjs flood closes at once. */
  protected report(_code: ErrorCode, _message: string): void {}

  protected closed(live: LiveSession | null): void {
    if (live) this.withdrawAwareness(live);
  }

  /** Sends sync step 1 and the current awareness states (it already hears the room as a participant). */
  protected opened(live: LiveSession): void {
    this.sendSyncStep1(live);
    const states = live.awareness.getStates();
    if (states.size > 0) this.send(awarenessMessage(live, [...states.keys()]));
  }

  /** Asks the client for everything the server's document lacks (y-protocols sync step 1). */
  private sendSyncStep1(live: LiveSession): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.Sync);
    syncProtocol.writeSyncStep1(encoder, live.doc);
    this.send(encoding.toUint8Array(encoder));
  }

  /** Handles one frame; a malformed frame closes this connection only, changing nothing. */
  protected handle(message: Uint8Array): void {
    const live = this.live;
    if (!live || this.ws.readyState !== WebSocket.OPEN) return;
    try {
      this.dispatch(live, message);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.message : 'malformed y-websocket message';
      this.warn({ err: error, bytes: message.length }, 'closing yjs connection after a bad frame');
      this.context.metrics?.errors.inc({ kind: 'bad_yjs_frame' });
      this.close(CloseCode.BadRequest, reason);
    }
  }

  /** Withdraws the awareness state this client set, telling the others it left. */
  private withdrawAwareness(live: LiveSession): void {
    if (this.holdsAwareness && this.claimedId !== null) {
      awarenessProtocol.removeAwarenessStates(live.awareness, [this.claimedId], null);
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
        const { awarenessRate, maxAwarenessBytes, metrics } = this.context;
        // Cursors are renewed constantly, so one dropped costs nothing: a flood is dropped, not closed.
        const budget = awarenessRate.take(this.awarenessBudget, received.length);
        if (budget < 0) return void metrics?.errors.inc({ kind: 'awareness_rate_limited' });
        this.awarenessBudget = budget;
        const guarded = guardAwareness(received, (id) => this.owns(live, id), this.role, maxAwarenessBytes);
        if (!guarded) {
          if (received.length > maxAwarenessBytes) metrics?.errors.inc({ kind: 'awareness_too_large' });
          return;
        }
        const { added, updated, removed } = applyAwarenessEntries(live.awareness, guarded.entries, this);
        if (added.length > 0) this.holdsAwareness = true;
        if (removed.length > 0) this.holdsAwareness = false;
        if (added.length + updated.length + removed.length === 0) return;
        // Relayed as received (or as rewritten), instead of encoding the states again.
        relayAwareness(live, guarded.update === received ? message : encodeAwarenessMessage(guarded.update), this);
        return;
      }
      case YjsMessageType.QueryAwareness:
        this.send(awarenessMessage(live, [...live.awareness.getStates().keys()]));
        return;
      case YjsMessageType.Run:
        return this.handleRun(live, decoder, message.length);
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
        const missing = missingDependency(live.doc, decoded);
        if (missing !== null) {
          // Nothing is applied or held. An honest client gets here by typing between reconnecting
          // and finishing its sync (the update builds on its own offline edits, not sent yet): a
          // sync step 1 makes it send everything the server lacks, complete. Closing would not do:
          // the stock provider takes 4400-4499 as final and never reconnects.
          this.context.metrics?.errors.inc({ kind: 'missing_dependency' });
          return this.sendSyncStep1(live);
        }
        const forbidden = forbiddenChange(live.doc, decoded);
        if (forbidden !== null) {
          this.context.metrics?.errors.inc({ kind: 'forbidden_change' });
          this.warn({ forbidden }, 'refused a yjs update that changes what participants do not own');
          return this.deny(`update refused: ${forbidden}; nothing changed`);
        }
        const refusal = this.judgeWrite(live, update.length);
        if (refusal) return this.deny(refusal.message);
        const started = performance.now();
        Y.applyUpdate(live.doc, update, this);
        this.context.meter?.fanout.observe((performance.now() - started) / 1000);
        return;
      }
      default:
        throw new ProtocolError(`unknown sync message type ${syncType}`);
    }
  }

  /**
   * A run message: recorded by the RunRecorder, or answered with `refused` (nothing changed). A
   * payload the schema refuses is a malformed frame. A candidate may start a run only while the
   * session is unlocked; a run already going may still record its output and end.
   */
  private handleRun(live: LiveSession, decoder: decoding.Decoder, bytes: number): void {
    let payload: unknown;
    try {
      payload = readRunPayload(decoder);
    } catch {
      throw new ProtocolError('a run message must hold one JSON object');
    }
    const parsed = parseRunMessage(payload);
    if (typeof parsed === 'string') throw new ProtocolError(parsed);
    const { runs } = this.context as YjsContext;
    const refusal = this.judgeWrite(live, bytes, parsed.type === 'start') ?? runs.receive(live, this, parsed);
    if (!refusal) return;
    this.context.metrics?.errors.inc({ kind: 'run_refused' });
    this.send(encodeRunMessage({ type: 'refused', id: parsed.id, code: refusal.code, message: refusal.message }));
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
    if (this.claimedId === null) {
      // Claiming an id someone else already holds is refused: nobody may pose as another.
      if (live.awareness.getStates().has(clientId)) return false;
      this.claimedId = clientId;
    }
    return clientId === this.claimedId;
  }
}

/** An awareness message with the current states of `clients`. */
function awarenessMessage(live: LiveSession, clients: number[]): Uint8Array {
  return encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(live.awareness, clients));
}
