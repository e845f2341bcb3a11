import type { Duplex } from 'node:stream';

/** Sockets corked by `corkUntilTickEnd`, uncorked together once the current callback is done. */
let corked: Duplex[] = [];

function uncorkAll(): void {
  const sockets = corked;
  corked = [];
  for (const socket of sockets) socket.uncork();
}

/**
 * Holds what is written to `socket` until the current callback returns, then sends it in one
 * system call. An editor sends a keystroke and its cursor move back to back; they arrive in one
 * read and used to leave as two `writev` calls per receiving peer, the largest single cost of
 * relaying a keystroke (a quarter of the server's CPU). The frames still leave within the same
 * turn of the event loop, in the order they were sent.
 */
export function corkUntilTickEnd(socket: Duplex): void {
  // Corked already: by an earlier frame in this callback (a write in progress uncorks at once).
  if (socket.writableCorked > 0 || socket.destroyed) return;
  socket.cork();
  if (corked.push(socket) === 1) process.nextTick(uncorkAll);
}
