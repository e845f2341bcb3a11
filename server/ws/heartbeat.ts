import type { WebSocket, WebSocketServer } from 'ws';
import { CloseCode } from '../../shared/protocol/close-codes.js';

/**
 * Per running heartbeat, the sockets it pinged at its last interval and has not heard from since.
 * Entries live only from a ping to its pong (an idle server keeps none per socket, where a
 * WeakMap of every socket's liveness cost each ~30 bytes), and each interval starts a new set, so
 * a socket that closed meanwhile is dropped with the old one.
 */
const heartbeats = new Set<{ unanswered: Set<WebSocket> }>();

/** One pong listener for every socket (`this` is the socket): no closure per connection. */
function markAlive(this: WebSocket): void {
  for (const heartbeat of heartbeats) heartbeat.unanswered.delete(this);
}

/** Counts a socket alive on every pong. */
export function trackLiveness(ws: WebSocket): void {
  ws.on('pong', markAlive);
}

/**
 * Sockets pinged per turn of the event loop. Pinging every socket in one turn is one write each:
 * at 1,000 sockets a stall of tens of milliseconds every interval, which every keystroke arriving
 * meanwhile waits out (and the pongs come back in one burst). In slices, what arrives in between
 * is handled in between.
 */
export const PING_SLICE = 256;

/**
 * Pings every client of the given servers each interval and terminates those that did not answer
 * the previous ping (a half-open TCP connection would otherwise count as a participant forever).
 * Returns a function that stops the timer.
 */
export function startHeartbeat(servers: WebSocketServer[], intervalMs: number): () => void {
  const heartbeat = { unanswered: new Set<WebSocket>() };
  heartbeats.add(heartbeat);
  let pending: NodeJS.Immediate | undefined;
  const timer = setInterval(() => {
    const previous = heartbeat.unanswered;
    heartbeat.unanswered = new Set();
    const sockets = servers.flatMap((server) => [...server.clients]);
    let next = 0;
    const slice = (): void => {
      pending = undefined;
      for (const end = Math.min(next + PING_SLICE, sockets.length); next < end; next++) {
        const ws = sockets[next]!;
        // It may have closed since the interval began.
        if (ws.readyState !== ws.OPEN) continue;
        if (previous.has(ws)) {
          ws.close(CloseCode.Unresponsive, 'no pong received');
          ws.terminate();
          continue;
        }
        heartbeat.unanswered.add(ws);
        ws.ping();
      }
      if (next < sockets.length) pending = setImmediate(slice);
    };
    slice();
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (pending) clearImmediate(pending);
    heartbeats.delete(heartbeat);
  };
}
