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

/** When a TickCork holds frames: while the event loop is busy (`load`), or always (tests). */
export type CorkMode = 'load' | 'always';

/**
 * Holds what is written to a socket until the current callback returns, then sends it in one
 * system call, while the event loop is busy. An editor sends a keystroke and its cursor move back
 * to back; they arrive in one read and would leave as two `writev` calls per receiving peer, the
 * largest single cost of relaying a keystroke under load. The frames still leave within the same
 * turn of the event loop, in the order they were sent. One per server.
 */
export class TickCork {
  /** Sockets corked in this callback, uncorked together once it is done. */
  private corked: Duplex[] = [];
  /** Whether the loop was busy over the last window. */
  private busy = false;
  private watcher: NodeJS.Timeout | null = null;
  private readonly uncorkAll = (): void => {
    const sockets = this.corked;
    this.corked = [];
    for (const socket of sockets) socket.uncork();
  };

  constructor(private readonly mode: CorkMode = 'load') {}

  /** Holds `socket`'s writes until the current callback ends, when the mode says so. */
  hold(socket: Duplex): void {
    if (this.mode === 'load') {
      if (!this.watcher) this.watchLoad();
      if (!this.busy) return;
    }
    // Corked already: by an earlier frame in this callback (a write in progress uncorks at once).
    if (socket.writableCorked > 0 || socket.destroyed) return;
    socket.cork();
    if (this.corked.push(socket) === 1) process.nextTick(this.uncorkAll);
  }

  /** Stops sampling the event loop. */
  stop(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
  }

  /** Samples the event loop's utilization once per window; the timer does not keep the process alive. */
  private watchLoad(): void {
    let last = performance.eventLoopUtilization();
    this.watcher = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.busy = performance.eventLoopUtilization(now, last).utilization >= BUSY_LOOP;
      last = now;
    }, LOAD_WINDOW_MS);
    this.watcher.unref();
  }
}
