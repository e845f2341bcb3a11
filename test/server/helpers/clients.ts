import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { JsonServerMessage } from '../../../shared/protocol/json-messages.js';
import { waitFor, wsBase } from './server.js';

/** A stock y-websocket provider on its own Y.Doc, with a cleanup. */
export interface YjsClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  text: Y.Text;
  destroy(): void;
}

/**
 * Connects a stock `WebsocketProvider` to `/yjs` (passing `token` as its `params`, as a browser
 * would) and waits until it has synced.
 */
export async function connectYjs(baseUrl: string, sessionId: string, options: { token?: string } = {}): Promise<YjsClient> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsBase(baseUrl)}/yjs`, sessionId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: options.token ? { token: options.token } : {},
  });
  const client = {
    doc,
    provider,
    text: doc.getText('code'),
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
  await waitFor(() => provider.synced, 'provider sync');
  return client;
}

/** A raw `/ws` JSON client that records every message it receives. */
export class JsonClient {
  readonly messages: JsonServerMessage[] = [];
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(data.toString()) as JsonServerMessage));
  }

  /** Opens a connection to `/ws`, sending `headers` with the upgrade (X-Forwarded-For, say). */
  static async connect(baseUrl: string, headers: Record<string, string> = {}): Promise<JsonClient> {
    const ws = new WebSocket(`${wsBase(baseUrl)}/ws`, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new JsonClient(ws);
  }

  /** Opens a connection and joins, returning the client and its `init`. */
  static async join(baseUrl: string, sessionId: string) {
    const client = await JsonClient.connect(baseUrl);
    client.send({ type: 'join', sessionId });
    const init = await client.next('init');
    return { client, init };
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next not yet consumed message of `type` (skipping others), waiting for it. */
  async next<T extends JsonServerMessage['type']>(type: T, timeoutMs = 5000): Promise<Extract<JsonServerMessage, { type: T }>> {
    let found: JsonServerMessage | undefined;
    await waitFor(() => {
      const index = this.messages.findIndex((message, i) => i >= this.cursor && message.type === type);
      if (index < 0) return false;
      found = this.messages[index];
      this.cursor = index + 1;
      return true;
    }, `a ${type} message`, timeoutMs);
    return found as Extract<JsonServerMessage, { type: T }>;
  }

  /** The most recent message of `type` received so far, if any. */
  last<T extends JsonServerMessage['type']>(type: T): Extract<JsonServerMessage, { type: T }> | undefined {
    return this.messages.filter((message) => message.type === type).at(-1) as Extract<JsonServerMessage, { type: T }> | undefined;
  }

  close(): void {
    this.ws.close();
  }
}
