/**
 * The room's socket as runs use it: run messages (shared/protocol/run-messages.ts) go over the
 * provider's own WebSocket, so the server knows which connection, and so which participant, each
 * run comes from; the server's refusals come back on it. A run is bound to the socket that was
 * open when it started: the server lets only that connection extend it, and interrupts it when
 * that connection closes, so a link whose socket closed is lost for good.
 */
import type { WebsocketProvider } from 'y-websocket';
import type * as decoding from 'lib0/decoding';
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

/** Run messages over one room's provider; `destroy()` when the room closes. */
export class RunChannel {
  private readonly links = new Map<string, { ws: WebSocket; events: RunLinkEvents }>();
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
    return {
      send: (message) => {
        if (this.links.get(id)?.ws !== ws || ws.readyState !== WebSocket.OPEN) return false;
        ws.send(encodeRunMessage(message));
        return true;
      },
      close: () => void this.links.delete(id),
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
    this.links.delete(id);
    link?.events.lost();
  }

  /** A run message from the server: a refusal, for the run it names. */
  private received(decoder: decoding.Decoder): void {
    const reply = readRunPayload(decoder) as Partial<RunRefusedMessage>;
    if (reply.type !== 'refused' || typeof reply.id !== 'string') return;
    this.links.get(reply.id)?.events.refused(reply as RunRefusedMessage);
  }
}
