import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';

/**
 * Share of the last `LOAD_WINDOW_MS` the event loop spent running callbacks, above which frames are
 * held until the callback ends. Below it the loop is mostly idle: a held keystroke would only wait
 * for the rest of its callback (checking and applying its cursor move, code that runs cold at a
 * few keystrokes a second, and now and then a garbage collection that work starts), and the system
 * call it saves shortens no queue. Measured: docs/benchmarks.md.
 */
const BUSY_LOOP = 0.3;
const LOAD_WINDOW_MS = 500;

/** Sockets corked by `corkUntilTickEnd`, uncorked together once the current callback is done. */
let corked: Duplex[] = [];
/** Whether the loop was busy over the last window. */
let holding = false;
let mode: 'load' | 'always' = 'load';
let watcher: NodeJS.Timeout | null = null;

function uncorkAll(): void {
  const sockets = corked;
  corked = [];
  for (const socket of sockets) socket.uncork();
}

/** Samples the event loop's utilization once per window; the timer does not keep the process alive. */
function watchLoad(): void {
  let last = performance.eventLoopUtilization();
  watcher = setInterval(() => {
    const now = performance.eventLoopUtilization();
    holding = performance.eventLoopUtilization(now, last).utilization >= BUSY_LOOP;
    last = now;
  }, LOAD_WINDOW_MS);
  watcher.unref();
}

/**
 * Holds what is written to `socket` until the current callback returns, then sends it in one
 * system call, while the event loop is busy. An editor sends a keystroke and its cursor move back
 * to back; they arrive in one read and would leave as two `writev` calls per receiving peer, the
 * largest single cost of relaying a keystroke under load. The frames still leave within the same
 * turn of the event loop, in the order they were sent.
 */
export function corkUntilTickEnd(socket: Duplex): void {
  if (mode === 'load') {
    if (!watcher) watchLoad();
    if (!holding) return;
  }
  // Corked already: by an earlier frame in this callback (a write in progress uncorks at once).
  if (socket.writableCorked > 0 || socket.destroyed) return;
  socket.cork();
  if (corked.push(socket) === 1) process.nextTick(uncorkAll);
}

/** For tests: hold frames whatever the load, or by the loop's load (the default). */
export function setCorking(next: 'load' | 'always'): void {
  mode = next;
}
