import type { IncomingMessage } from 'node:http';

/**
 * The client's address: the socket's peer, or, behind `trustProxy` trusted proxies, the entry
 * that many hops from the right of X-Forwarded-For (the address the nearest trusted proxy saw).
 */
export function clientAddress(req: IncomingMessage, trustProxy: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded ?? '').split(',').map((hop) => hop.trim()).filter(Boolean);
  return hops[hops.length - trustProxy] ?? hops[0] ?? peer;
}
