/**
 * The room's socket as runs use it: run messages (shared/protocol/run-messages.ts) go over the
 * provider's own WebSocket, so the server knows which connection, and so which participant, each
 * run comes from; the server's refusals come back on it. A run is bound to the socket that was
 * open when it started: the server lets only that connection extend it, and interrupts it when
 * that connection closes, so a link whose socket closed is lost for good.
 *
 * The provider closes a socket that has received nothing for 30 s and opens another, which a
 * participant alone in a quiet room hits: a silent run (a Python runtime loading, a program
 * computing) would be interrupted by it. While a run goes, the channel therefore asks for the
 * awareness states every 10 s (query awareness, which the server answers), so the socket hears
 * something.
 */
import type { WebsocketProvider } from 'y-websocket';
import type * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { encodeRunMessage, readRunPayload, type RunClientMessage, type RunRefusedMessage } from '../../shared/protocol/run-messages.js';
import { YjsMessageType } from '../../shared/protocol/yjs-messages.js';

/** What a run hears of its link. */
export interface RunLinkEvents {
  /** The server refused one of the run's messages (its start, its output or its end); nothing changed. */
  refused(reply: RunRefusedMessage): void;
  /** The socket the run started on closed: the server has interrupted the run. */
  lost(): void;
}

/** One run's way to the server; see the file comment. */
export interface RunLink {
  /** Sends a message about the run; false once the link is lost (nothing was sent). */
  send(message: RunClientMessage): boolean;
  /** Stops hearing of the run (it ended). */
  close(): void;
}

/** How often a socket with a run going asks for an answer (the provider gives up after 30 s of silence). */
const KEEP_ALIVE_MS = 10_000;

/** Run messages over one room's provider; `destroy()` when the room closes. */
export class RunChannel {
  private readonly links = new Map<string, { ws: WebSocket; events: RunLinkEvents }>();
  private keepAlive: ReturnType<typeof setInterval> | null = null;
  private readonly onClose = (): void => {
    for (const [id, link] of [...this.links]) if (link.ws !== this.provider.ws || link.ws.readyState !== WebSocket.OPEN) this.lose(id);
  };

  constructor(private readonly provider: WebsocketProvider) {
    provider.messageHandlers[YjsMessageType.Run] = (_encoder: unknown, decoder: decoding.Decoder) => this.received(decoder);
    provider.on('connection-close', this.onClose);
  }

  /** A link for run `id` over the socket open now, or null while the room is not connected. */
  link(id: string, events: RunLinkEvents): RunLink | null {
    const ws = this.provider.ws;
    if (!ws || !this.provider.wsconnected || ws.readyState !== WebSocket.OPEN) return null;
    this.links.set(id, { ws, events });
    this.keepAlive ??= setInterval(() => this.ping(), KEEP_ALIVE_MS);
    return {
      send: (message) => {
        if (this.links.get(id)?.ws !== ws || ws.readyState !== WebSocket.OPEN) return false;
        ws.send(encodeRunMessage(message));
        return true;
      },
      close: () => this.forget(id),
    };
  }

  /** Loses every link (the room closed) and stops listening. */
  destroy(): void {
    this.provider.off('connection-close', this.onClose);
    delete this.provider.messageHandlers[YjsMessageType.Run];
    for (const id of [...this.links.keys()]) this.lose(id);
  }

  private lose(id: string): void {
    const link = this.links.get(id);
    this.forget(id);
    link?.events.lost();
  }

  private forget(id: string): void {
    this.links.delete(id);
    if (this.links.size > 0 || this.keepAlive === null) return;
    clearInterval(this.keepAlive);
    this.keepAlive = null;
  }

  /** Asks for the awareness states on every socket a run goes on (see the file comment). */
  private ping(): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.QueryAwareness);
    const frame = encoding.toUint8Array(encoder);
    for (const ws of new Set([...this.links.values()].map((link) => link.ws))) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  }

  /** A run message from the server: a refusal, for the run it names. */
  private received(decoder: decoding.Decoder): void {
    const reply = readRunPayload(decoder) as Partial<RunRefusedMessage>;
    if (reply.type !== 'refused' || typeof reply.id !== 'string') return;
    this.links.get(reply.id)?.events.refused(reply as RunRefusedMessage);
  }
}
