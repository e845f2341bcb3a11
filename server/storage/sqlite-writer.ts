import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import type { SessionTouch, StoredUpdate } from './storage.js';

/** What the writer thread is asked to do. */
export type WriterRequest =
  | { id: number; op: 'write'; updates: Array<[sessionId: string, at: number, update: Uint8Array, uid: string | null]>; touches: Array<[sessionId: string, lastActivity: number, language: string | null]> }
  | { id: number; op: 'snapshot'; sessionId: string; state: Uint8Array; uptoSeq: number; at: number }
  | { id: number; op: 'ping' }
  | { id: number; op: 'close' };

/** Its answer: for a write, the last sequence number written per session. Id 0: a failure no request waits for. */
export type WriterReply = { id: number; ok: true; lastSeq: Array<[string, number]> } | { id: number; ok: false; message: string };

/** What the thread is started with. */
export interface WriterOptions {
  file: string;
  /** Recent updates are moved under their sessions once this many have gathered… */
  moveRows: number;
  /** …or this long after the last move, whichever comes first (checked after each write). */
  moveEveryMs: number;
}

/** Defaults: a move of 5,000 updates holds the next batch up for ~30 ms. */
export const MOVE_DEFAULTS = { moveRows: 5_000, moveEveryMs: 2_000 } as const;

/**
 * Starts the worker's entry, which sits beside this module: `sqlite-writer-worker.js` in the
 * bundle `npm start` runs. Run from source (tsx: tests, `npm run dev`) it is a `.ts` file, and a
 * worker thread does not inherit the `--import tsx` of its process on Node 20, so a one-line
 * bootstrap registers tsx in the thread first.
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), { workerData });
  const entry = new URL('./sqlite-writer-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * The SQLite storage's writes (update batches, snapshots), run by a worker thread with its own
 * connection to the file. better-sqlite3 is synchronous: on the event loop, a batch took ~1 ms and
 * the WAL checkpoint that follows one every few thousand pages 12 ms or more (an fsync), and every
 * keystroke arriving meanwhile waited. Requests are answered in order; a thread that dies fails
 * what it had (the write queue keeps and retries it) and the next request starts a new one.
 */
export class SqliteWriter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (lastSeq: Array<[string, number]>) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private closed = false;

  /** `logger` hears of a thread that fails, also when no write was waiting to report it. */
  constructor(
    private readonly options: WriterOptions,
    private readonly logger?: Logger,
  ) {}

  /** Appends the updates (with their uids, or without) and applies the touches in one transaction; the last seq per session. */
  async write(updates: StoredUpdate[], touches: SessionTouch[], withUids: boolean): Promise<Map<string, number>> {
    const lastSeq = await this.request({
      id: this.nextId++,
      op: 'write',
      updates: updates.map(({ sessionId, at, update, uid }) => [sessionId, at, update, withUids ? (uid ?? null) : null]),
      touches: touches.map(({ sessionId, lastActivity, language }) => [sessionId, lastActivity, language ?? null]),
    });
    return new Map(lastSeq);
  }

  /** Stores a snapshot unless a newer one is already there. */
  async saveSnapshot(sessionId: string, state: Uint8Array, uptoSeq: number): Promise<void> {
    await this.request({ id: this.nextId++, op: 'snapshot', sessionId, state, uptoSeq, at: Date.now() });
  }

  /** Resolves once the thread answers (starting it if needed): its connection is open. */
  async ping(): Promise<void> {
    await this.request({ id: this.nextId++, op: 'ping' });
  }

  /** Lets the thread finish what it was asked, closes its connection and ends it. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await this.request({ id: this.nextId++, op: 'close' });
    // Held until the thread is gone: an unreferenced one would let the process end first.
    worker.ref();
    await exited;
  }

  private request(message: WriterRequest): Promise<Array<[string, number]>> {
    if (this.closed && message.op !== 'close') return Promise.reject(new Error('storage is closed'));
    const worker = (this.worker ??= this.start());
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(message.id, { resolve, reject });
      worker.postMessage(message);
    });
  }

  private start(): Worker {
    const worker = startWorker(this.options);
    // An idle writer must not keep the process alive; one with requests in flight does.
    worker.unref();
    worker.on('message', (reply: WriterReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) {
        if (!reply.ok) this.logger?.error({ reason: reply.message }, 'SQLite writer thread failed at its own work');
        return;
      }
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.lastSeq);
      else waiting.reject(new Error(reply.message));
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => {
      this.logger?.error({ err: error }, 'SQLite writer thread failed; the next write starts a new one');
      fail(error);
    });
    worker.on('exit', (code) => {
      if (!this.closed) this.logger?.error({ code }, 'SQLite writer thread exited; the next write starts a new one');
      fail(new Error(`the SQLite writer thread exited (code ${code})`));
    });
    return worker;
  }
}
