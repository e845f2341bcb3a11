import type { WebSocket, WebSocketServer } from 'ws';
import { CloseCode } from '../../shared/protocol/close-codes.js';

const alive = new WeakMap<WebSocket, boolean>();

/** One pong listener for every socket (`this` is the socket): no closure per connection. */
function markAlive(this: WebSocket): void {
  alive.set(this, true);
}

/** Marks a socket alive now and on every pong. */
export function trackLiveness(ws: WebSocket): void {
  alive.set(ws, true);
  ws.on('pong', markAlive);
}

/**
 * Pings every client of the given servers each interval and terminates those that did not answer
 * the previous ping (a half-open TCP connection would otherwise count as a participant forever).
 * Returns a function that stops the timer.
 */
export function startHeartbeat(servers: WebSocketServer[], intervalMs: number): () => void {
  const timer = setInterval(() => {
    for (const server of servers) {
      for (const ws of server.clients) {
        if (alive.get(ws) === false) {
          ws.close(CloseCode.Unresponsive, 'no pong received');
          ws.terminate();
          continue;
        }
        alive.set(ws, false);
        ws.ping();
      }
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
