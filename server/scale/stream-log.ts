import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Storage, StoredUpdate } from '../storage/storage.js';
import type { WriteQueue } from '../storage/write-queue.js';
import { compareStreamIds, STREAM_START } from './stream-id.js';
import { entryFields, sessionKeys, unstoredKey, type RawEntry, type StreamScripts } from './stream-scripts.js';

/** Options of a StreamLog. */
export interface StreamLogOptions {
  redis: Redis & StreamScripts;
  instanceId: string;
  prefix: string;
  logger: Logger;
  /** Asked whether a session exists before the sweeper stores entries of one nobody here holds. */
  storage: Storage;
  /** How often held sessions are looked at (FLUSH_INTERVAL): entries are stored within about this. */
  intervalMs: number;
  /** How long a persister's lease lasts without renewal: a dead persister is replaced after about this. */
  leaseMs: number;
  /** Stored entries are kept this long for relay repairs, then trimmed. */
  retentionMs: number;
  /** How often the unstored set is looked at for sessions nobody makes progress on. */
  sweepMs: number;
}

/** Most entries read per claim; a longer backlog is read by the next ticks. */
const CLAIM_COUNT = 1_000;

/** An update held in memory until the stream confirms it stored; `id` is null until Redis answered. */
interface Held {
  id: string | null;
  entry: StoredUpdate;
}

/**
 * What this instance knows and does about one session's stream: the updates it holds in memory
 * that the stream has not confirmed stored (for a Redis loss), the marker it last heard of, and,
 * while it holds the lease, what it handed to its write queue.
 *
 *   not holder ──(held entries, nobody seen persisting for a lease)──► claim ──► holder
 *   holder ──(new entries)──► claim: read past what it handed ──► write queue ──► confirm
 *   holder ──(lease lapsed: it stalled, or lost Redis)──► not holder
 */
export class SessionWal {
  private held: Held[] = [];
  /** Every entry up to this id is stored (as far as this instance heard). */
  marker = STREAM_START;
  /** Last entry id this instance handed to its write queue as the holder ('' for none). */
  handedUpTo = '';
  /** Hand-overs to the write queue not yet confirmed. */
  inflight = 0;
  /** Until when (local clock) this instance holds the lease, with a margin; 0: it does not. */
  leaseUntil = 0;
  /** Not the holder: when to try to claim next, unless a holder shows progress meanwhile. */
  nextClaimAt = 0;
  lastClaimAt = 0;
  /** Entries past what this instance handed to storage may wait in the stream. */
  dirty = false;
  claiming = false;
  /** Checked once that storage knows the session (only for sessions this instance does not hold). */
  known: boolean;

  constructor(
    readonly sessionId: string,
    /** Loaded here; false for a session the sweeper persists, or one unloaded with writes in flight. */
    public loaded: boolean,
  ) {
    this.known = loaded;
    this.dirty = !loaded;
  }

  /** An update this instance is appending; `identified` gives it its id once Redis answers. */
  appended(entry: StoredUpdate): Held {
    const held: Held = { id: null, entry };
    this.held.push(held);
    return held;
  }

  /** Redis gave `held` the stream id `id`. */
  identified(held: Held, id: string): void {
    held.id = id;
    if (compareStreamIds(id, this.marker) <= 0) this.forget(held);
    else if (compareStreamIds(id, this.handedUpTo || this.marker) > 0) this.dirty = true;
  }

  /** Appending `held` failed: it is stored another way. */
  forget(held: Held): void {
    const index = this.held.indexOf(held);
    if (index >= 0) this.held.splice(index, 1);
  }

  /** A stream entry another instance appended was applied here. */
  seen(id: string, entry: StoredUpdate): void {
    if (compareStreamIds(id, this.marker) <= 0) return;
    this.held.push({ id, entry });
    if (compareStreamIds(id, this.handedUpTo || this.marker) > 0) this.dirty = true;
  }

  /** Storage holds every entry up to `marker`: what is held up to it is let go. */
  storedUpTo(marker: string): void {
    if (compareStreamIds(marker, this.marker) <= 0) return;
    this.marker = marker;
    this.held = this.held.filter((held) => held.id === null || compareStreamIds(held.id, marker) > 0);
    if (this.leaseUntil <= Date.now() && !this.held.some((held) => held.id !== null)) this.dirty = false;
  }

  /** Whether an entry past `after` is held (so the stream has entries past it to store). */
  holdsAfter(after: string): boolean {
    return this.held.some((held) => held.id !== null && compareStreamIds(held.id, after) > 0);
  }

  /** The session was unloaded: nothing is held for it any more (the stream's entries are persisted without it). */
  unload(): void {
    this.loaded = false;
    this.held = [];
    this.dirty = false;
  }

  /** Gives up everything held (to be stored directly) and all it knew of the stream, which may be gone. */
  reset(): StoredUpdate[] {
    const entries = this.held.map((held) => held.entry);
    this.held = [];
    this.marker = STREAM_START;
    this.handedUpTo = '';
    this.leaseUntil = 0;
    this.nextClaimAt = 0;
    this.dirty = false;
    return entries;
  }

  /** How many updates are held (diagnostics and tests). */
  get heldCount(): number {
    return this.held.length;
  }
}

/**
 * Makes a session's Redis stream the write-ahead log of its updates: whatever reached the stream
 * reaches storage, whichever instances die (docs/scaling.md, "Durability"). One instance at a
 * time persists a session, the holder of its lease: it reads the entries past the marker, hands
 * them to its write queue under their uids, and once storage confirmed them moves the marker and
 * tells the others. Any instance holding the session takes over a lease nobody renews, and a
 * sweeper takes on sessions that nobody holds any more (their entries wait in the unstored set).
 * Every instance keeps what it appended or received in memory until the marker passes it, and
 * stores that directly when its connection to Redis drops, since Redis may come back empty.
 */
export class StreamLog {
  private queue: WriteQueue | null = null;
  private readonly wals = new Map<string, SessionWal>();
  /** Sessions storage does not know (another deployment's, on a shared prefix): never stored here. */
  private readonly unknown = new Set<string>();
  private readonly ticker: NodeJS.Timeout;
  private readonly sweeper: NodeJS.Timeout;
  private sweeping = false;
  private quietUntil = 0;
  /** Hand-overs to the write queue whose confirmation has not come back yet. */
  private readonly storing = new Set<Promise<void>>();

  constructor(private readonly options: StreamLogOptions) {
    this.ticker = setInterval(() => this.tick(), options.intervalMs);
    this.ticker.unref();
    this.sweeper = setInterval(() => void this.sweep(), options.sweepMs);
    this.sweeper.unref();
  }

  /** The write queue that stores what this instance persists (the hub's). */
  attach(queue: WriteQueue): void {
    this.queue = queue;
  }

  /** Starts tracking a session loaded here. */
  open(sessionId: string): SessionWal {
    const existing = this.wals.get(sessionId);
    if (existing) {
      existing.loaded = true;
      existing.known = true;
      return existing;
    }
    const wal = new SessionWal(sessionId, true);
    this.wals.set(sessionId, wal);
    return wal;
  }

  /** The session was unloaded here: writes in flight finish, then the lease is given back. */
  close(wal: SessionWal): void {
    wal.unload();
    if (wal.inflight === 0) this.retire(wal);
  }

  /** Another instance stored the session's entries up to `upto`: it persists them, so this one waits a lease. */
  noticed(wal: SessionWal, upto: string): void {
    wal.storedUpTo(upto);
    wal.nextClaimAt = Date.now() + this.options.leaseMs;
  }

  /**
   * The connection to Redis dropped: every update held in memory goes to the write queue directly
   * (a Redis that restarts empty takes the unstored entries with it; storage skips those it has).
   */
  connectionLost(): void {
    let direct = 0;
    for (const wal of [...this.wals.values()]) {
      const entries = wal.reset();
      for (const entry of entries) this.queue?.push(entry);
      direct += entries.length;
      if (!wal.loaded && wal.inflight === 0) this.wals.delete(wal.sessionId);
    }
    if (direct > 0) this.options.logger.warn({ updates: direct }, 'redis lost: storing the updates it had not confirmed directly');
  }

  /** Entries of the session's stream that storage may not hold yet, oldest first (for reads). */
  async unstored(sessionId: string): Promise<StoredUpdate[]> {
    if (this.options.redis.status !== 'ready') return [];
    const keys = this.keys(sessionId);
    try {
      const [, entries] = await this.options.redis.unstoredBuffer(keys.marker, keys.stream);
      return entries.map((entry) => toStoredUpdate(sessionId, entry));
    } catch (error) {
      this.options.logger.warn({ err: error, sessionId }, 'reading unstored stream entries failed; reading storage alone');
      return [];
    }
  }

  /**
   * The server is stopping: hands the write queue the unstored entries of every session whose
   * lease this instance holds or can take (another live holder stores its own), so that a
   * graceful stop leaves storage complete. The queue's final flush writes them.
   */
  async drain(): Promise<void> {
    // Nothing is claimed after this: the queue is about to close.
    clearInterval(this.ticker);
    clearInterval(this.sweeper);
    if (this.options.redis.status !== 'ready' || !this.queue) return;
    const claims = [...this.wals.values()].filter((wal) => !wal.claiming && (wal.loaded || wal.inflight > 0)).map((wal) => this.claim(wal));
    await Promise.all(claims);
  }

  /** Stops the timers and waits (at most `timeoutMs`) for writes in flight to be confirmed. */
  async shutdown(timeoutMs = 2_000): Promise<void> {
    clearInterval(this.ticker);
    clearInterval(this.sweeper);
    if (this.storing.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.storing), timeout]);
    clearTimeout(timer);
  }

  /** Claims where there is something to store (or a lease to renew) and this instance may. */
  private tick(): void {
    if (this.options.redis.status !== 'ready' || !this.queue) return;
    const now = Date.now();
    for (const wal of this.wals.values()) {
      if (wal.claiming) continue;
      const holder = wal.leaseUntil > now;
      if (!wal.loaded && wal.inflight === 0 && !wal.dirty) {
        this.retire(wal);
        continue;
      }
      const renew = holder && wal.inflight > 0 && now - wal.lastClaimAt >= this.options.leaseMs / 3;
      if (!wal.dirty && !renew) continue;
      if (!holder && now < wal.nextClaimAt) continue;
      void this.claim(wal);
    }
  }

  private async claim(wal: SessionWal): Promise<void> {
    const { redis, instanceId, leaseMs } = this.options;
    const keys = this.keys(wal.sessionId);
    const started = Date.now();
    wal.claiming = true;
    wal.lastClaimAt = started;
    try {
      const [acquired, marker, rest] = await redis.claimBuffer(keys.lease, keys.marker, keys.stream, instanceId, leaseMs, wal.handedUpTo || wal.marker, CLAIM_COUNT);
      wal.storedUpTo(marker.toString('latin1'));
      if (acquired !== 1) {
        wal.leaseUntil = 0;
        wal.nextClaimAt = Date.now() + Math.max(Number(rest), 0) + this.options.intervalMs;
        if (!wal.loaded && wal.inflight === 0) this.wals.delete(wal.sessionId);
        return;
      }
      wal.leaseUntil = started + leaseMs * 0.8;
      const entries = rest as RawEntry[];
      if (entries.length > 0 && !wal.known && !(await this.knows(wal))) return;
      if (entries.length > 0) {
        const upto = entries.at(-1)![0].toString('latin1');
        wal.handedUpTo = upto;
        wal.inflight++;
        const storing = this.store(wal, entries.map((entry) => toStoredUpdate(wal.sessionId, entry)), upto);
        this.storing.add(storing);
        void storing.finally(() => this.storing.delete(storing));
      } else if (!wal.loaded && wal.inflight === 0) {
        // Nothing left: take the session out of the unstored set if it still stands there.
        await this.confirm(wal, wal.marker);
      }
      wal.dirty = entries.length === CLAIM_COUNT || wal.holdsAfter(wal.handedUpTo || wal.marker);
    } catch (error) {
      this.failed(error, wal.sessionId, 'claiming a session stream failed; retrying');
    } finally {
      wal.claiming = false;
    }
  }

  /** Whether storage knows the session; an unknown one is left alone for good (and its lease given back). */
  private async knows(wal: SessionWal): Promise<boolean> {
    try {
      wal.known = (await this.options.storage.getSession(wal.sessionId)) !== null;
    } catch (error) {
      this.failed(error, wal.sessionId, 'looking up a session to persist failed; retrying');
      return false;
    }
    if (!wal.known) {
      this.options.logger.warn({ sessionId: wal.sessionId }, 'unstored stream entries of a session storage does not know: left alone');
      this.unknown.add(wal.sessionId);
      this.retire(wal);
    }
    return wal.known;
  }

  /** Hands entries to the write queue; once written (through any retries), confirms them. */
  private async store(wal: SessionWal, updates: StoredUpdate[], upto: string): Promise<void> {
    await this.queue!.store(updates);
    await this.confirm(wal, upto);
    wal.inflight--;
    if (!wal.loaded && wal.inflight === 0 && !wal.dirty) this.retire(wal);
  }

  private async confirm(wal: SessionWal, upto: string): Promise<void> {
    const { redis, instanceId, retentionMs } = this.options;
    const keys = this.keys(wal.sessionId);
    try {
      const marker = await redis.confirmStored(keys.marker, keys.stream, this.unstoredKey, upto, wal.sessionId, `${Date.now() - retentionMs}-0`, retentionMs * 2, keys.channel, instanceId);
      wal.storedUpTo(marker);
    } catch (error) {
      // Stored all the same: the next holder reads them again and storage skips their uids.
      this.failed(error, wal.sessionId, 'confirming stored stream entries failed');
    }
  }

  /** Stops tracking a session this instance no longer loads, giving its lease back. */
  private retire(wal: SessionWal): void {
    if (this.wals.get(wal.sessionId) === wal) this.wals.delete(wal.sessionId);
    if (wal.leaseUntil === 0 || this.options.redis.status !== 'ready') return;
    wal.leaseUntil = 0;
    this.options.redis.releaseLease(this.keys(wal.sessionId).lease, this.options.instanceId).catch((error: unknown) => {
      this.failed(error, wal.sessionId, 'giving a lease back failed (it expires)');
    });
  }

  /** Takes on sessions with unstored entries that nobody made progress on for two leases. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.options.redis.status !== 'ready' || !this.queue) return;
    this.sweeping = true;
    try {
      const stale = await this.options.redis.staleSessions(this.unstoredKey, this.options.leaseMs * 2, 50);
      for (const sessionId of stale) {
        if (this.wals.has(sessionId) || this.unknown.has(sessionId)) continue;
        this.wals.set(sessionId, new SessionWal(sessionId, false));
      }
    } catch (error) {
      this.failed(error, undefined, 'looking for unstored sessions failed');
    } finally {
      this.sweeping = false;
    }
  }

  private get unstoredKey(): string {
    return unstoredKey(this.options.prefix);
  }

  private keys(sessionId: string): ReturnType<typeof sessionKeys> {
    return sessionKeys(this.options.prefix, sessionId);
  }

  /** Logs a failed Redis step, at most once a second (an outage fails every tick). */
  private failed(error: unknown, sessionId: string | undefined, message: string): void {
    const now = Date.now();
    if (now < this.quietUntil) return;
    this.quietUntil = now + 1_000;
    this.options.logger.warn({ err: error, sessionId }, message);
  }
}

/** A stream entry as an update to store: its uid from the entry, its time from the entry's id. */
export function toStoredUpdate(sessionId: string, [rawId, fields]: RawEntry): StoredUpdate {
  const values = entryFields(fields);
  const uid = values.get('k')?.toString('latin1');
  return {
    sessionId,
    update: new Uint8Array(values.get('u') ?? Buffer.alloc(0)),
    at: Number(rawId.toString('latin1').split('-')[0]),
    ...(uid ? { uid } : {}),
  };
}
