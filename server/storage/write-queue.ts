import type { Logger } from '../logger.js';
import type { SessionTouch, Storage, StoredUpdate } from './storage.js';

/** Options of a WriteQueue. */
export interface WriteQueueOptions {
  /** Anything pushed is written at most this long after it arrived (while storage is healthy). */
  intervalMs: number;
  logger: Logger;
  /** Called after each successful write with the last sequence number written per session. */
  onWritten?: (lastSeq: Map<string, number>) => void;
  /** Called after each write attempt with its duration (metrics). */
  onTimed?: (seconds: number, ok: boolean) => void;
}

const MAX_RETRY_DELAY_MS = 5_000;
/** A session's updates move its stored `lastActivity` at most once per this many ms. */
export const TOUCH_PERIOD_MS = 5_000;

/**
 * Batches updates and session touches into one storage transaction per interval. A failed write
 * keeps its batch (in order, ahead of anything newer) and is retried with backoff, so a storage
 * outage delays durability but never drops an update.
 */
export class WriteQueue {
  private updates: StoredUpdate[] = [];
  private touches = new Map<string, SessionTouch>();
  /** The batch being written right now: it has left `updates` but is not stored yet. */
  private writing: StoredUpdate[] | null = null;
  /** Who waits for the updates now in `updates` to be written (`store`). */
  private waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private closed = false;
  /** Sessions whose updates already queued a touch in the current touch period, begun at `periodStart`. */
  private touchedInPeriod = new Set<string>();
  private periodStart = -Infinity;

  constructor(
    private readonly storage: Storage,
    private readonly options: WriteQueueOptions,
  ) {}

  /**
   * Queues one received update for the session's log and, with a session's first update in each
   * touch period, its `lastActivity`. Touching on every batch rewrote a typing session's row (one
   * page of the sessions table per session, scattered) 20 times a second, for a timestamp that
   * decides expiry after days. Whoever unloads a session touches it with its exact last activity
   * (`touch`), so only a crash can leave the stored one up to a period behind.
   */
  push(update: StoredUpdate): void {
    this.updates.push(update);
    this.active(update.sessionId, update.at);
  }

  /**
   * Records activity in a session at `at` (an update that is logged elsewhere: the Redis stream),
   * touching its stored `lastActivity` as `push` does, once per touch period.
   */
  active(sessionId: string, at: number): void {
    if (at - this.periodStart >= TOUCH_PERIOD_MS) {
      this.periodStart = at;
      this.touchedInPeriod.clear();
    }
    if (this.touchedInPeriod.has(sessionId)) return this.schedule(this.options.intervalMs);
    this.touchedInPeriod.add(sessionId);
    this.touch({ sessionId, lastActivity: at });
  }

  /**
   * Queues updates that were made durable elsewhere first (Redis stream entries, which another
   * instance may have received), without touching their sessions, and writes them at once (unless
   * storage is failing: then with the retries). Resolves once they are written: a failed write
   * keeps them, and the promise waits through the retries.
   */
  store(updates: StoredUpdate[]): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    for (const update of updates) this.updates.push(update);
    const written = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failures === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.schedule(this.failures === 0 ? 0 : this.options.intervalMs);
    return written;
  }

  /** Queues a metadata change; several touches of one session merge into the latest. */
  touch(touch: SessionTouch): void {
    const previous = this.touches.get(touch.sessionId);
    this.touches.set(touch.sessionId, {
      sessionId: touch.sessionId,
      lastActivity: Math.max(previous?.lastActivity ?? 0, touch.lastActivity),
      language: touch.language ?? previous?.language,
    });
    this.schedule(this.options.intervalMs);
  }

  /**
   * Whether updates of the session are still waiting to be written (queued or in the batch being
   * written). A scan: it serves diagnostics and tests, and a count kept per session would cost
   * every keystroke a map update.
   */
  hasPending(sessionId: string): boolean {
    const ofSession = (update: StoredUpdate): boolean => update.sessionId === sessionId;
    return this.touches.has(sessionId) || this.updates.some(ofSession) || (this.writing?.some(ofSession) ?? false);
  }

  /** Number of updates not yet written. */
  get size(): number {
    return this.updates.length;
  }

  /** Writes everything queued so far; rejects (keeping the data queued) when storage fails. */
  async flush(): Promise<void> {
    // Chain behind a write in progress so batches reach storage in arrival order.
    while (this.running) await this.running.catch(() => undefined);
    if (this.updates.length === 0 && this.touches.size === 0) return;
    const updates = this.updates;
    const touches = this.touches;
    const waiters = this.waiters;
    this.updates = [];
    this.touches = new Map();
    this.waiters = [];
    this.writing = updates;
    const run = (async () => {
      const started = performance.now();
      try {
        const lastSeq = await this.storage.write({ updates, touches: [...touches.values()] });
        this.options.onTimed?.((performance.now() - started) / 1000, true);
        this.failures = 0;
        this.options.onWritten?.(lastSeq);
        for (const resolve of waiters) resolve();
      } catch (error) {
        this.options.onTimed?.((performance.now() - started) / 1000, false);
        this.updates = updates.concat(this.updates);
        this.waiters = waiters.concat(this.waiters);
        for (const [id, touch] of touches) {
          const newer = this.touches.get(id);
          this.touches.set(id, newer ? { ...newer, lastActivity: Math.max(newer.lastActivity, touch.lastActivity), language: newer.language ?? touch.language } : touch);
        }
        this.failures++;
        throw error;
      }
    })();
    this.running = run;
    try {
      await run;
    } finally {
      this.running = null;
      this.writing = null;
    }
  }

  /** Stops the timer after a final flush (which may reject if storage is down). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((error: unknown) => {
        const retryMs = Math.min(this.options.intervalMs * 2 ** this.failures, MAX_RETRY_DELAY_MS);
        this.options.logger.error({ err: error, pending: this.updates.length, retryMs }, 'storage write failed; will retry');
        this.schedule(retryMs);
      });
    }, delayMs);
  }
}
