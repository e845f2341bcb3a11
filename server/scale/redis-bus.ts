import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Logger } from '../logger.js';
import type { LiveSession } from '../sessions/live-session.js';
import { REDIS_ORIGIN } from '../sessions/origins.js';
import type { AwarenessChange, SessionExtension } from '../sessions/session-extension.js';
import { applyStored } from '../sessions/stored-document.js';
import type { Storage, StoredUpdate } from '../storage/storage.js';
import { newUpdateUid } from '../storage/update-uid.js';
import type { WriteQueue } from '../storage/write-queue.js';
import { encodeBusAwareness, parseBusMessage, type BusMessage } from './bus-message.js';
import { compareStreamIds, STREAM_START } from './stream-id.js';
import { StreamLog, toStoredUpdate, type SessionWal } from './stream-log.js';
import { defineStreamScripts, entryFields, sessionKeys, unstoredKey, type RawEntry, type StreamScripts } from './stream-scripts.js';

/** Options of the Redis bus. */
export interface RedisBusOptions {
  url: string;
  logger: Logger;
  /** Where the sessions' update logs are: what the stream no longer holds is read from there. */
  storage: Storage;
  /**
   * Stored stream entries are kept this long (for relay repairs), then trimmed; entries not yet
   * stored are never trimmed. An instance cut off longer re-reads storage.
   */
  retentionMs?: number;
  /** Key prefix, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
  /** How often this instance stores the stream entries of the sessions it persists (FLUSH_INTERVAL). */
  flushIntervalMs?: number;
  /** A persister that stops renewing its lease is replaced after about this long. */
  leaseMs?: number;
  /** How often sessions nobody holds are looked for among those with unstored entries. */
  sweepMs?: number;
}

const INSTANCE_TTL_MS = 15_000;
const HEARTBEAT_MS = 5_000;

/** Per-session relay state. */
interface Link {
  live: LiveSession;
  /** The session's stream as this instance's write-ahead log. */
  wal: SessionWal;
  stream: string;
  marker: string;
  channel: string;
  /** Id of the last stream entry integrated; entries up to it are in the document. */
  lastSeen: string;
  /** Incoming messages are handled one at a time, in order. */
  chain: Promise<void>;
  resendTimer: NodeJS.Timeout | null;
}

/**
 * Carries document updates and awareness between instances through Redis, with no sticky
 * routing needed, and makes the session's stream the write-ahead log of its updates. Updates go
 * out once each (never a full resync per change): appended to a per-session stream and published
 * on the session's channel in one Lua call. Pub/sub is the fast path; the stream repairs whatever
 * pub/sub dropped (a gap in the `previous` chain, a reconnect), and one instance at a time stores
 * it (StreamLog), so an update that reached Redis is stored whichever instance dies. After Redis
 * comes back, each instance also publishes its whole state once per session, so edits made on
 * either side during the outage meet. Awareness is pub/sub only: clients renew it anyway.
 *
 * It plugs into every session as a SessionExtension: a loaded session is attached (what other
 * instances have in flight is applied before anyone is answered), it logs its updates (the hub
 * stores them directly only while Redis is away), publishes its awareness, shares its participant
 * count, answers reads with the entries storage does not hold yet, and detaches an unloaded one.
 */
export class RedisBus implements SessionExtension {
  readonly name = 'redis';
  readonly instanceId = randomUUID().slice(0, 13);
  /** Called when another instance announced that a session's access changed. */
  onAccessChange: ((sessionId: string) => void) | null = null;
  private readonly commands: Redis & StreamScripts;
  private readonly subscriber: Redis;
  private readonly log: StreamLog;
  private readonly links = new Map<string, Link>();
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly logger: Logger;
  private readonly storage: Storage;
  private readonly heartbeat: NodeJS.Timeout;
  private queue: WriteQueue | null = null;
  private everReady = false;
  private outage = false;
  private closed = false;

  /** Loads ioredis (only deployments that scale out pay for it: ~25 MiB of RSS) and makes a bus. */
  static async create(options: RedisBusOptions): Promise<RedisBus> {
    const { Redis } = await import('ioredis');
    return new RedisBus(options, Redis);
  }

  private constructor(options: RedisBusOptions, RedisClient: typeof Redis) {
    this.logger = options.logger.child({ component: 'redis', instance: this.instanceId });
    this.prefix = options.prefix ?? 'ir:';
    this.retentionMs = options.retentionMs ?? 5 * 60_000;
    this.storage = options.storage;
    const retryStrategy = (times: number) => Math.min(50 * times, 1_000);
    // Commands fail fast while Redis is away (the caller falls back to local work); subscriptions
    // queue and are restored by ioredis on reconnect.
    this.commands = defineStreamScripts(new RedisClient(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: true }));
    this.subscriber = new RedisClient(options.url, { retryStrategy, lazyConnect: true, maxRetriesPerRequest: null });
    this.log = new StreamLog({
      redis: this.commands,
      instanceId: this.instanceId,
      prefix: this.prefix,
      logger: this.logger,
      storage: this.storage,
      intervalMs: options.flushIntervalMs ?? 50,
      leaseMs: options.leaseMs ?? 3_000,
      retentionMs: this.retentionMs,
      sweepMs: options.sweepMs ?? 1_000,
    });
    for (const [name, client] of [['commands', this.commands], ['subscriber', this.subscriber]] as const) {
      client.on('error', (error: Error) => {
        if (!this.outage) this.logger.warn({ err: error, client: name }, 'redis connection error');
      });
    }
    this.commands.on('ready', () => this.onReady());
    this.commands.on('close', () => {
      if (this.everReady && !this.closed && !this.outage) {
        this.outage = true;
        this.logger.error('redis connection lost; serving local participants and storing their updates until it returns');
        this.log.connectionLost();
      }
    });
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString('latin1'), message));
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** The write queue that stores the stream entries this instance persists, and updates while Redis is away. */
  attach(queue: WriteQueue): void {
    this.queue = queue;
    this.log.attach(queue);
  }

  /** Connects both clients; resolves when Redis answered or after `timeoutMs` (it keeps retrying). */
  async connect(timeoutMs = 5_000): Promise<void> {
    const connected = Promise.all([this.commands.connect(), this.subscriber.connect()]).then(() => undefined);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([connected.catch((error: unknown) => this.logger.error({ err: error }, 'redis not reachable at startup; retrying')), timeout]);
  }

  /** Connects a freshly loaded session: applies what other instances have in flight, then relays both ways. */
  async afterLoad(live: LiveSession): Promise<void> {
    const id = live.id;
    const keys = sessionKeys(this.prefix, id);
    const link: Link = {
      live,
      wal: this.log.open(id),
      stream: keys.stream,
      marker: keys.marker,
      channel: keys.channel,
      lastSeen: STREAM_START,
      chain: Promise.resolve(),
      resendTimer: null,
    };
    this.links.set(id, link);
    // Subscribe first, then read the stream: anything published in between is queued behind the
    // read and recognised by its id.
    const subscribed = this.subscriber.subscribe(link.channel).catch((error: unknown) => {
      this.logger.error({ err: error, sessionId: id }, 'subscribe failed');
    });
    if (this.commands.status === 'ready') {
      await subscribed;
      await this.enqueue(link, () => this.readWhole(link));
    }
  }

  /**
   * Logs an update of this instance's (a participant's, the server's) in the session's stream,
   * which is its write-ahead log from then on. While Redis is away the hub stores it directly.
   */
  logUpdate(live: LiveSession, entry: StoredUpdate): boolean {
    const link = this.links.get(live.id);
    if (!link || this.commands.status !== 'ready') return false;
    this.append(link, entry);
    return true;
  }

  /** The stream's entries that storage may not hold yet: a read of the log adds them. */
  unstored(sessionId: string): Promise<StoredUpdate[]> {
    return this.log.unstored(sessionId);
  }

  /** Hands the write queue what this instance persists before the server stops (StreamLog.drain). */
  beforeShutdown(): Promise<void> {
    return this.log.drain();
  }

  onAwareness(live: LiveSession, { added, updated, removed }: AwarenessChange, origin: unknown): void {
    if (origin === REDIS_ORIGIN || !this.links.has(live.id)) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(live.awareness, added.concat(updated, removed));
    this.run(this.commands.publish(`${this.prefix}s:${live.id}`, encodeBusAwareness(this.instanceId, update)));
  }

  onParticipants(live: LiveSession): void {
    this.setParticipants(live.id, live.participants.size);
  }

  /** Stops relaying a session that was unloaded, and withdraws its participant count. */
  afterUnload(live: LiveSession): void {
    const link = this.links.get(live.id);
    if (!link || link.live !== live) return;
    if (link.resendTimer) clearTimeout(link.resendTimer);
    this.links.delete(live.id);
    this.log.close(link.wal);
    this.run(this.subscriber.unsubscribe(link.channel));
    this.setParticipants(live.id, 0);
  }

  /** The participant count over every live instance (`local` is this instance's own). */
  countParticipants(sessionId: string, local: number): Promise<number> {
    return this.participants(sessionId, local);
  }

  /** Tells the other instances that a session's access changed, so they enforce it too. */
  announceAccess(sessionId: string): void {
    if (this.commands.status !== 'ready') return;
    this.run(this.commands.publish(`${this.prefix}s:${sessionId}`, `x|${this.instanceId}|`));
  }

  /** Publishes this instance's participant count for a session. */
  private setParticipants(sessionId: string, count: number): void {
    if (this.commands.status !== 'ready') return;
    const key = this.participantsKey(sessionId);
    if (count > 0) this.run(this.commands.multi().hset(key, this.instanceId, count).pexpire(key, 24 * 3_600_000).exec());
    else this.run(this.commands.hdel(key, this.instanceId));
  }

  private async participants(sessionId: string, local: number): Promise<number> {
    try {
      const counts = await this.commands.hgetall(this.participantsKey(sessionId));
      const others = Object.keys(counts).filter((instance) => instance !== this.instanceId);
      if (others.length === 0) return local;
      const alive = await this.commands.mget(others.map((instance) => this.instanceKey(instance)));
      return others.reduce((sum, instance, i) => (alive[i] ? sum + Number(counts[instance]) : sum), local);
    } catch (error) {
      this.logger.warn({ err: error, sessionId }, 'participant count from redis failed; using this instance only');
      return local;
    }
  }

  /** Resolves when Redis answers (readiness). */
  async ping(): Promise<void> {
    await this.commands.ping();
  }

  /** Withdraws this instance's counts and disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    await this.log.shutdown();
    if (this.commands.status === 'ready') {
      const pipeline = this.commands.pipeline().del(this.instanceKey(this.instanceId));
      for (const id of this.links.keys()) pipeline.hdel(this.participantsKey(id), this.instanceId);
      await pipeline.exec().catch(() => undefined);
    }
    for (const link of this.links.values()) if (link.resendTimer) clearTimeout(link.resendTimer);
    this.links.clear();
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  /**
   * Appends an update to the stream and publishes it; it is held in memory until the stream
   * confirms it stored. If Redis does not take it, it is stored directly (under the same uid, so
   * once only should the append have gone through after all) and the whole state resent later.
   */
  private append(link: Link, entry: StoredUpdate): void {
    const held = link.wal.appended(entry);
    const { update } = entry;
    this.commands
      .appendUpdate(link.stream, unstoredKey(this.prefix), link.channel, this.instanceId, entry.uid!, Buffer.from(update.buffer, update.byteOffset, update.byteLength), link.live.id)
      .then(
        (id) => link.wal.identified(held, id),
        (error: unknown) => {
          link.wal.forget(held);
          this.queue?.push(entry);
          // Others may now hold updates that depend on this one: send the whole state once Redis takes it.
          if (!this.outage && !this.closed) this.logger.warn({ err: error, sessionId: link.live.id }, 'appending an update failed; stored directly, will resend the state');
          this.scheduleResend(link);
        },
      );
  }

  /** Appends the whole document, so other instances get what they missed (after an outage, a failed append). */
  private publishState(link: Link): void {
    if (this.commands.status !== 'ready') return; // repaired by the full-state publish on reconnect
    this.append(link, { sessionId: link.live.id, update: Y.encodeStateAsUpdate(link.live.doc), at: Date.now(), uid: newUpdateUid() });
  }

  private scheduleResend(link: Link): void {
    if (link.resendTimer) return;
    link.resendTimer = setTimeout(() => {
      link.resendTimer = null;
      if (this.links.get(link.live.id) !== link) return;
      this.publishState(link);
      // Otherwise the reconnect sends it.
    }, 1_000);
    link.resendTimer.unref();
  }

  private onMessage(channel: string, frame: Buffer): void {
    const id = channel.slice(`${this.prefix}s:`.length);
    const link = this.links.get(id);
    const message = parseBusMessage(frame);
    if (!link || !message) return;
    if (message.kind === 'update') {
      void this.enqueue(link, () => this.receive(link, message));
      return;
    }
    if (message.instance === this.instanceId) return;
    if (message.kind === 'stored') {
      this.log.noticed(link.wal, message.upto);
      return;
    }
    if (message.kind === 'access') {
      this.onAccessChange?.(id);
      return;
    }
    try {
      awarenessProtocol.applyAwarenessUpdate(link.live.awareness, message.payload, REDIS_ORIGIN);
    } catch (error) {
      this.logger.warn({ err: error, sessionId: id }, 'bad awareness frame from redis');
    }
  }

  /** Integrates one published update in stream order; a break in the chain is read from the stream. */
  private async receive(link: Link, message: Extract<BusMessage, { kind: 'update' }>): Promise<void> {
    if (compareStreamIds(message.id, link.lastSeen) <= 0) return;
    if (message.previous !== link.lastSeen) return this.readStream(link);
    // Our own updates come back too; they only move the position.
    if (message.instance !== this.instanceId) {
      this.apply(link, message.payload);
      link.wal.seen(message.id, { sessionId: link.live.id, update: message.payload, at: Number(message.id.split('-')[0]), uid: message.uid });
    }
    link.lastSeen = message.id;
  }

  /**
   * Integrates the whole stream into a freshly loaded document, with the marker read in the same
   * step: the entries past it are held here until the stream confirms them stored.
   */
  private async readWhole(link: Link): Promise<void> {
    const [marker, entries] = (await this.commands.multi().get(link.marker).xrangeBuffer(link.stream, '-', '+').exec())!.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [string | null, RawEntry[]];
    link.wal.storedUpTo(marker ?? STREAM_START);
    this.integrate(link, entries, true);
  }

  /** Integrates every stream entry after `lastSeen`; re-reads storage if the stream lost some. */
  private async readStream(link: Link): Promise<void> {
    const entries = await this.commands.xrangeBuffer(link.stream, link.lastSeen === STREAM_START ? '-' : `(${link.lastSeen}`, '+');
    if (link.lastSeen !== STREAM_START && entries.length > 0 && !(await this.streamHolds(link))) {
      // Trimmed past our position, or Redis restarted empty: storage has what the stream lost.
      await this.catchUp(link);
    }
    this.integrate(link, entries, false);
  }

  /**
   * Applies stream entries in order and holds them until stored; this instance's own are skipped
   * (they are in the document, and held since they were appended) unless `own` says otherwise
   * (a load: earlier appends of this instance are in no document here).
   */
  private integrate(link: Link, entries: RawEntry[], own: boolean): void {
    for (const entry of entries) {
      const id = entry[0].toString('latin1');
      if (own || entryFields(entry[1]).get('o')?.toString('latin1') !== this.instanceId) {
        const stored = toStoredUpdate(link.live.id, entry);
        this.apply(link, stored.update);
        link.wal.seen(id, stored);
      }
      link.lastSeen = id;
    }
  }

  /** Applies everything storage holds of the session (idempotent): what the stream lost is there. */
  private async catchUp(link: Link): Promise<void> {
    const id = link.live.id;
    applyStored(link.live.doc, await this.storage.loadDocument(id), this.logger, id);
  }

  /** Whether the stream still holds the entry we last saw (nothing was trimmed or lost before it). */
  private async streamHolds(link: Link): Promise<boolean> {
    const found = await this.commands.xrange(link.stream, link.lastSeen, link.lastSeen);
    return found.length > 0;
  }

  private apply(link: Link, update: Uint8Array): void {
    try {
      Y.applyUpdate(link.live.doc, update, REDIS_ORIGIN);
    } catch (error) {
      this.logger.error({ err: error, sessionId: link.live.id }, 'bad update from redis ignored');
    }
  }

  private enqueue(link: Link, task: () => void | Promise<void>): Promise<void> {
    link.chain = link.chain.then(task).catch((error: unknown) => {
      this.logger.warn({ err: error, sessionId: link.live.id }, 'redis relay step failed; repaired on the next message or reconnect');
    });
    return link.chain;
  }

  private onReady(): void {
    this.beat();
    if (!this.everReady) {
      this.everReady = true;
      // Names this instance as it appears in Redis (leases, participant counts).
      this.logger.info('redis connected');
      return;
    }
    this.outage = false;
    this.logger.info({ sessions: this.links.size }, 'redis connection restored; resynchronizing');
    for (const link of this.links.values()) {
      void this.enqueue(link, async () => {
        await this.readStream(link);
        // Others missed what our participants typed during the outage: send it once, whole.
        this.publishState(link);
        this.setParticipants(link.live.id, link.live.participants.size);
      });
    }
  }

  private beat(): void {
    if (this.commands.status === 'ready') this.run(this.commands.set(this.instanceKey(this.instanceId), '1', 'PX', INSTANCE_TTL_MS));
  }

  private participantsKey(sessionId: string): string {
    return `${this.prefix}s:${sessionId}:participants`;
  }

  private instanceKey(instance: string): string {
    return `${this.prefix}instance:${instance}`;
  }

  /** Runs a fire-and-forget Redis call: failures are logged once per outage, never thrown. */
  private run(call: Promise<unknown>): void {
    call.catch((error: unknown) => {
      if (!this.outage && !this.closed) this.logger.warn({ err: error }, 'redis call failed');
    });
  }
}
