import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Logger } from '../logger.js';
import type { LiveSession } from '../sessions/live-session.js';
import { REDIS_ORIGIN, STORAGE_ORIGIN } from '../sessions/origins.js';
import type { AwarenessChange, SessionExtension } from '../sessions/session-extension.js';
import { applyStored } from '../sessions/stored-document.js';
import type { Storage } from '../storage/storage.js';
import { encodeBusAwareness, parseBusMessage, type BusMessage } from './bus-message.js';
import { compareStreamIds, STREAM_START } from './stream-id.js';

/** Options of the Redis bus. */
export interface RedisBusOptions {
  url: string;
  logger: Logger;
  /** Where the sessions' update logs are: what the stream no longer holds is read from there. */
  storage: Storage;
  /** Stream entries older than this are trimmed; an instance cut off longer re-reads storage. */
  retentionMs?: number;
  /** Key prefix, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
}

const INSTANCE_TTL_MS = 15_000;
const HEARTBEAT_MS = 5_000;

/**
 * Appends an update to the session's stream and publishes it with the id it got and the id of
 * the entry before it, atomically, so a subscriber can detect a gap and repair it from the stream.
 * KEYS[1] stream; ARGV: channel, instance, payload, min id kept, stream ttl ms.
 */
const APPEND_AND_PUBLISH = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local previous = '0-0'
if #last > 0 then previous = last[1][1] end
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[4], '*', 'o', ARGV[2], 'u', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PUBLISH', ARGV[1], 'u|' .. ARGV[2] .. '|' .. id .. '|' .. previous .. '|' .. ARGV[3])
return id
`;

/** Per-session relay state. */
interface Link {
  live: LiveSession;
  stream: string;
  channel: string;
  /** Id of the last stream entry integrated; entries up to it are in the document. */
  lastSeen: string;
  /** Incoming messages are handled one at a time, in order. */
  chain: Promise<void>;
  resendTimer: NodeJS.Timeout | null;
}

/**
 * Carries document updates and awareness between instances through Redis, with no sticky
 * routing needed. Updates go out once each (never a full resync per change): appended to a
 * per-session stream and published on the session's channel in one Lua call. Pub/sub is the fast
 * path; the stream repairs whatever pub/sub dropped (a gap in the `previous` chain, a reconnect).
 * After Redis comes back, each instance also publishes its whole state once per session, so edits
 * made on either side during the outage meet. Awareness is pub/sub only: clients renew it anyway.
 *
 * It plugs into every session as a SessionExtension: a loaded session is attached (what other
 * instances have in flight is applied before anyone is answered), its updates and awareness are
 * published, its participant count is shared, and an unloaded one is detached.
 */
export class RedisBus implements SessionExtension {
  readonly name = 'redis';
  readonly instanceId = randomUUID().slice(0, 13);
  /** Called when another instance announced that a session's access changed. */
  onAccessChange: ((sessionId: string) => void) | null = null;
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly links = new Map<string, Link>();
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly logger: Logger;
  private readonly storage: Storage;
  private readonly heartbeat: NodeJS.Timeout;
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
    this.commands = new RedisClient(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: true });
    this.subscriber = new RedisClient(options.url, { retryStrategy, lazyConnect: true, maxRetriesPerRequest: null });
    this.commands.defineCommand('appendAndPublish', { numberOfKeys: 1, lua: APPEND_AND_PUBLISH });
    for (const [name, client] of [['commands', this.commands], ['subscriber', this.subscriber]] as const) {
      client.on('error', (error: Error) => {
        if (!this.outage) this.logger.warn({ err: error, client: name }, 'redis connection error');
      });
    }
    this.commands.on('ready', () => this.onReady());
    this.commands.on('close', () => {
      if (this.everReady && !this.closed && !this.outage) {
        this.outage = true;
        this.logger.error('redis connection lost; serving local participants until it returns');
      }
    });
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString('latin1'), message));
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
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
    const link: Link = {
      live,
      stream: `${this.prefix}s:${id}:updates`,
      channel: `${this.prefix}s:${id}`,
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
      await this.enqueue(link, () => this.readStream(link));
    }
  }

  onUpdate(live: LiveSession, update: Uint8Array, origin: unknown): void {
    if (origin === REDIS_ORIGIN || origin === STORAGE_ORIGIN) return;
    const link = this.links.get(live.id);
    if (link) this.publishUpdate(link, update);
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

  private publishUpdate(link: Link, update: Uint8Array): void {
    if (this.commands.status !== 'ready') return; // repaired by the full-state publish on reconnect
    const minId = `${Date.now() - this.retentionMs}-0`;
    const append = (this.commands as unknown as AppendCommand).appendAndPublish(
      link.stream, link.channel, this.instanceId, Buffer.from(update.buffer, update.byteOffset, update.byteLength), minId, this.retentionMs * 2,
    );
    append.catch((error: unknown) => {
      // Others may now hold updates that depend on this one: send the whole state once Redis takes it.
      this.logger.warn({ err: error, sessionId: link.live.id }, 'publishing an update failed; will resend the state');
      this.scheduleResend(link);
    });
  }

  private scheduleResend(link: Link): void {
    if (link.resendTimer) return;
    link.resendTimer = setTimeout(() => {
      link.resendTimer = null;
      if (this.links.get(link.live.id) !== link) return;
      if (this.commands.status === 'ready') this.publishUpdate(link, Y.encodeStateAsUpdate(link.live.doc));
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
    if (message.instance !== this.instanceId) this.apply(link, message.payload);
    link.lastSeen = message.id;
  }

  /** Integrates every stream entry after `lastSeen`; re-reads storage if the stream lost some. */
  private async readStream(link: Link): Promise<void> {
    const entries = await this.commands.xrangeBuffer(link.stream, link.lastSeen === STREAM_START ? '-' : `(${link.lastSeen}`, '+');
    if (link.lastSeen !== STREAM_START && entries.length > 0 && !(await this.streamHolds(link))) {
      // Trimmed past our position, or Redis restarted empty: storage has what the stream lost.
      await this.catchUp(link);
    }
    for (const [rawId, fields] of entries) {
      const values = new Map<string, Buffer>();
      for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!.toString('latin1'), fields[i + 1]!);
      const payload = values.get('u');
      if (payload && values.get('o')?.toString('latin1') !== this.instanceId) this.apply(link, new Uint8Array(payload));
      link.lastSeen = rawId.toString('latin1');
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
      return;
    }
    this.outage = false;
    this.logger.info({ sessions: this.links.size }, 'redis connection restored; resynchronizing');
    for (const link of this.links.values()) {
      void this.enqueue(link, async () => {
        await this.readStream(link);
        // Others missed what our participants typed during the outage: send it once, whole.
        this.publishUpdate(link, Y.encodeStateAsUpdate(link.live.doc));
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

interface AppendCommand {
  appendAndPublish(key: string, channel: string, instance: string, payload: Buffer, minId: string, ttlMs: number): Promise<string>;
}
