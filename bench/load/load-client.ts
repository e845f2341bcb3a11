import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import type { LatencyRecorder } from './latency-recorder.js';

/** y-websocket message types (the first varUint of every frame). */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

/** Frames and bytes a client received, by kind; WebSocket framing excluded. */
export interface ReceivedCounts {
  /** Update frames that brought another participant's keystrokes. */
  updateFrames: number;
  updateBytes: number;
  /** Update frames with nothing new for this client (the reference echoes each update to its sender). */
  redundantFrames: number;
  redundantBytes: number;
  awarenessFrames: number;
  awarenessBytes: number;
  otherFrames: number;
  otherBytes: number;
}

/** Counts shared by every client of a generator; reset between phases. */
export function emptyCounts(): ReceivedCounts {
  return { updateFrames: 0, updateBytes: 0, redundantFrames: 0, redundantBytes: 0, awarenessFrames: 0, awarenessBytes: 0, otherFrames: 0, otherBytes: 0 };
}

/** Leaves ws's masking key all zeros (see `LoadClient.connect`). */
function keepZeroMask(): void {}

/**
 * One participant: a raw `ws` socket and a `Y.Doc`, speaking the y-websocket protocol with
 * y-protocols' sync encoders, as the stock `WebsocketProvider` does on the wire. The provider
 * itself is not used: each one runs an Awareness instance with a 3 s interval timer, a connection
 * watchdog interval and reconnects on its own, which at 10,000 clients costs the generator more
 * than the server and would hide dropped connections behind reconnects.
 *
 *   connecting ──open──► syncing ──(sync step 2 received)──► synced ──close/error──► closed
 */
export class LoadClient {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText('code');
  synced = false;
  closed = false;
  private cursor = -1;
  /** Set when the update being applied added another client's items. */
  private broughtNew = false;
  private awarenessClock = 0;
  private lastAwarenessAt = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly ws: WebSocket,
    private readonly recorder: LatencyRecorder,
    private readonly counts: ReceivedCounts,
    private readonly name: string,
  ) {
    // Local edits go out as sync updates, exactly as the provider sends them.
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeUpdate(encoder, update);
      this.send(encoding.toUint8Array(encoder));
    });
    // The state vectors before and after a remote transaction name exactly the items it brought.
    this.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.origin !== this) return;
      const now = performance.now();
      for (const [client, after] of transaction.afterState) {
        const before = transaction.beforeState.get(client) ?? 0;
        if (after > before && client !== this.doc.clientID) {
          this.broughtNew = true;
          this.recorder.delivered(client, before, after, now);
        }
      }
    });
  }

  /** Opens a connection to `url` and resolves once the client has synced; rejects on error, close or timeout. */
  static connect(url: string, recorder: LatencyRecorder, counts: ReceivedCounts, name: string, timeoutMs: number): Promise<LoadClient> {
    // An all-zero mask: ws then frames without copying and XOR-ing each payload. Masks keep browsers
    // from poisoning proxy caches; between a benchmark and a server on loopback they only cost the
    // generator CPU that the server under test would otherwise have.
    const ws = new WebSocket(url, { generateMask: keepZeroMask });
    const client = new LoadClient(ws, recorder, counts, name);
    return new Promise<LoadClient>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no sync within ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        client.closed = true;
        reject(error);
      };
      ws.on('error', fail);
      ws.on('open', () => {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MESSAGE_SYNC);
        syncProtocol.writeSyncStep1(encoder, client.doc);
        client.send(encoding.toUint8Array(encoder));
        // The provider announces its user on open; a real editor's awareness starts the same way.
        client.sendAwareness({ user: { name, color: '#30bced' } });
      });
      ws.on('message', (data: Buffer) => {
        // Frames still arriving after close() would land in a destroyed document.
        if (client.closed) return;
        client.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if (client.synced) {
          clearTimeout(timer);
          resolve(client);
        }
      });
      ws.on('close', (code, reason) => {
        client.closed = true;
        if (!client.synced) fail(new Error(`closed before sync: ${code} ${reason.toString()}`));
      });
    });
  }

  /** Types one character at this participant's cursor; returns false once the connection is gone. */
  type(char: string): boolean {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.cursor < 0 || this.cursor > this.text.length) this.cursor = this.text.length;
    const clock = Y.getState(this.doc.store, this.doc.clientID);
    this.recorder.markSent(this.doc.clientID, clock, performance.now());
    this.text.insert(this.cursor, char);
    this.cursor++;
    return true;
  }

  /** Sends the cursor position as awareness, at most once per `intervalMs`, like an editor's throttled selection. */
  moveCursor(intervalMs: number): void {
    const now = performance.now();
    if (intervalMs <= 0 || now - this.lastAwarenessAt < intervalMs) return;
    this.lastAwarenessAt = now;
    const position = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(this.text, Math.max(0, this.cursor)));
    this.sendAwareness({ user: { name: this.name, color: '#30bced' }, cursor: { anchor: position, head: position } });
  }

  /** Closes the connection (a normal close, as when a tab is closed). */
  close(): void {
    this.closed = true;
    this.ws.close(1000);
    this.doc.destroy();
  }

  private receive(message: Uint8Array): void {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC && this.synced && this.receiveUpdate(message)) return;
    if (type === MESSAGE_SYNC) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      this.broughtNew = false;
      const syncType = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
      // Sync step 1 from the server asks for our state: the reply is sync step 2.
      if (encoding.length(encoder) > 1) this.send(encoding.toUint8Array(encoder));
      if (syncType === syncProtocol.messageYjsSyncStep2) this.synced = true;
      if (syncType === syncProtocol.messageYjsUpdate && this.broughtNew) {
        this.counts.updateFrames++;
        this.counts.updateBytes += message.length;
      } else if (syncType === syncProtocol.messageYjsUpdate) {
        this.counts.redundantFrames++;
        this.counts.redundantBytes += message.length;
      } else {
        this.counts.otherFrames++;
        this.counts.otherBytes += message.length;
      }
    } else if (type === MESSAGE_AWARENESS) {
      // Counted, not applied: other participants' cursors cost the generator, not the server.
      this.counts.awarenessFrames++;
      this.counts.awarenessBytes += message.length;
    } else {
      this.counts.otherFrames++;
      this.counts.otherBytes += message.length;
    }
  }

  /**
   * After the initial sync, what arrives is other participants' keystrokes: each is timed by the
   * items it carries (client and clock range, from `Y.parseUpdateMeta`) without integrating it into
   * this client's document. Integrating every remote keystroke cost the generator about as much
   * CPU as the server spends on it, on the two cores they share; the server's work is unchanged.
   * This client's own edits go on from its own items, which the server has. Returns false for
   * anything but an update, which takes the full path.
   */
  private receiveUpdate(message: Uint8Array): boolean {
    const decoder = decoding.createDecoder(message);
    decoding.readVarUint(decoder);
    if (decoding.readVarUint(decoder) !== syncProtocol.messageYjsUpdate) return false;
    const { from, to } = Y.parseUpdateMeta(decoding.readVarUint8Array(decoder));
    const now = performance.now();
    let brought = false;
    for (const [client, end] of to) {
      const start = from.get(client) ?? end;
      if (client === this.doc.clientID || end <= start) continue;
      brought = true;
      this.recorder.delivered(client, start, end, now);
    }
    if (brought) {
      this.counts.updateFrames++;
      this.counts.updateBytes += message.length;
    } else {
      this.counts.redundantFrames++;
      this.counts.redundantBytes += message.length;
    }
    return true;
  }

  private sendAwareness(state: object): void {
    const update = encoding.createEncoder();
    encoding.writeVarUint(update, 1);
    encoding.writeVarUint(update, this.doc.clientID);
    encoding.writeVarUint(update, ++this.awarenessClock);
    encoding.writeVarString(update, JSON.stringify(state));
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update));
    this.send(encoding.toUint8Array(encoder));
  }

  private send(frame: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }
}
