import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import type { Language } from '../../shared/languages.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import { CODE_TEXT, LANGUAGE_KEY, META_MAP, READ_ONLY_KEY } from '../../shared/schema.js';
import type { Logger } from '../logger.js';
import type { SessionAccess, SessionRecord, Storage, StoredDocument } from '../storage/storage.js';
import { WriteQueue } from '../storage/write-queue.js';
import { isParticipant, LiveSession, type Participant } from './live-session.js';
import type { Metrics } from '../observability/metrics.js';
import type { SessionBus } from '../scale/session-bus.js';
import { REDIS_ORIGIN, SERVER_ORIGIN, STORAGE_ORIGIN } from './origins.js';
import { SessionError } from './session-error.js';

/** Options of a SessionHub. */
export interface SessionHubOptions {
  storage: Storage;
  logger: Logger;
  flushIntervalMs: number;
  unloadGraceMs: number;
  snapshotEvery: number;
  sessionTtlMs: number;
  /** A session older than this is expired however active it is (absolute time-to-live). */
  sessionMaxAgeMs: number;
  /** Largest encoded document an update may grow a session to. */
  maxDocumentBytes: number;
  /** Carries sessions between instances (Redis); absent for a single instance. */
  bus?: SessionBus;
  metrics?: Metrics;
  now?: () => number;
}

/** What REST reports about a session. */
export interface SessionInfo {
  id: string;
  language: Language;
  participants: number;
  createdAt: number;
  lastActivity: number;
}

/** Longest retry delay for an unload whose final write failed (the document stays in memory meanwhile). */
const UNLOAD_RETRY_MS = 5_000;

/**
 * Owns every session: creation, lookup with expiry, loading each document once (concurrent
 * opens share one load), persisting its updates through the write queue, and unloading it a
 * grace period after its last participant left, but only once everything it holds is stored.
 */
export class SessionHub {
  readonly queue: WriteQueue;
  private readonly live = new Map<string, LiveSession>();
  private readonly loading = new Map<string, Promise<LiveSession>>();
  private readonly now: () => number;
  private closing = false;

  constructor(private readonly options: SessionHubOptions) {
    this.now = options.now ?? Date.now;
    this.queue = new WriteQueue(options.storage, {
      intervalMs: options.flushIntervalMs,
      logger: options.logger,
      onWritten: (lastSeq) => this.afterWrite(lastSeq),
      onTimed: (seconds, ok) => {
        options.metrics?.storageWrite.observe({ outcome: ok ? 'ok' : 'failed' }, seconds);
        if (!ok) options.metrics?.errors.inc({ kind: 'storage_write' });
      },
    });
  }

  /** Creates a session; the initial code is written into its document here, once, by the server. */
  async create(language: Language, code: string, access: SessionAccess): Promise<SessionRecord> {
    const now = this.now();
    const record: SessionRecord = { id: randomUUID(), createdAt: now, lastActivity: now, language, access };
    const doc = new Y.Doc();
    doc.transact(() => {
      doc.getMap(META_MAP).set(LANGUAGE_KEY, language);
      // Absent means unlocked: most sessions are never locked, and every map entry costs memory.
      if (access.readOnly) doc.getMap(META_MAP).set(READ_ONLY_KEY, true);
      if (code) doc.getText(CODE_TEXT).insert(0, code);
    }, SERVER_ORIGIN);
    const initial = Y.encodeStateAsUpdate(doc);
    doc.destroy();
    await this.options.storage.createSession(record, initial);
    this.options.logger.info({ sessionId: record.id, language }, 'session created');
    return record;
  }

  /** Largest encoded document an update may grow a session to. */
  get maxDocumentBytes(): number {
    return this.options.maxDocumentBytes;
  }

  /**
   * Whether `bytes` more fit in the session's document. The running estimate only grows (deleted
   * text still counts until it is measured), so when it says no, the document is measured exactly
   * before refusing.
   */
  fits(live: LiveSession, bytes: number): boolean {
    const max = this.options.maxDocumentBytes;
    if (live.approxBytes + bytes <= max) return true;
    live.approxBytes = Y.encodeStateAsUpdate(live.doc).length;
    return live.approxBytes + bytes <= max;
  }

  /** The loaded session, if it is in memory. */
  loaded(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  /** The session's record (from memory when loaded); throws SessionError when unknown or expired. */
  async record(id: string): Promise<SessionRecord> {
    return this.live.get(id)?.record ?? this.findRecord(id);
  }

  /** Current facts about a session; throws SessionError when it is unknown or expired. */
  async describe(id: string): Promise<SessionInfo> {
    const live = this.live.get(id);
    const record = live?.record ?? (await this.findRecord(id));
    const local = live?.participants.size ?? 0;
    return {
      id,
      language: live?.language ?? record.language,
      participants: this.options.bus ? await this.options.bus.participants(id, local) : local,
      createdAt: record.createdAt,
      lastActivity: record.lastActivity,
    };
  }

  /** The session's current code, read from memory when loaded, else from storage. */
  async code(id: string): Promise<string> {
    return this.read(id, (doc) => doc.getText(CODE_TEXT).toString());
  }

  /**
   * Reads the session's document: the live one when loaded, else a copy built from storage for
   * the call (an API read does not keep a document in memory).
   */
  async read<T>(id: string, reader: (doc: Y.Doc) => T): Promise<T> {
    const live = this.live.get(id) ?? (this.loading.has(id) ? await this.open(id) : undefined);
    if (live) return reader(live.doc);
    await this.findRecord(id);
    const doc = new Y.Doc();
    try {
      this.apply(doc, id, await this.options.storage.loadDocument(id));
      return reader(doc);
    } finally {
      doc.destroy();
    }
  }

  /** The loaded session, loading it first when needed; throws SessionError when refused. */
  async open(id: string): Promise<LiveSession> {
    if (this.closing) throw new SessionError(ErrorCode.Unavailable, 'the server is shutting down');
    const live = this.live.get(id);
    if (live) {
      if (live.participants.size === 0 && this.isExpired(live.record)) {
        throw new SessionError(ErrorCode.SessionExpired, `session ${id} has expired`);
      }
      return live;
    }
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  /** Adds a participant to a loaded session (cancels a pending unload). */
  join(live: LiveSession, participant: Participant): void {
    if (live.unloadTimer) clearTimeout(live.unloadTimer);
    live.unloadTimer = null;
    live.participants.add(participant);
    live.record.lastActivity = this.now();
    this.queue.touch({ sessionId: live.id, lastActivity: live.record.lastActivity });
    this.options.bus?.setParticipants(live.id, live.participants.size);
    live.emitParticipants();
  }

  /** Removes a participant; the last one leaving starts the unload grace period. */
  leave(live: LiveSession, participant: Participant): void {
    if (!live.participants.delete(participant)) return;
    // Sockets closed by shutdown report their close after the document is already released.
    if (this.closing || this.live.get(live.id) !== live) return;
    this.options.bus?.setParticipants(live.id, live.participants.size);
    live.emitParticipants();
    if (live.participants.size === 0) this.scheduleUnload(live, this.options.unloadGraceMs);
  }

  /** Number of documents in memory. */
  get loadedCount(): number {
    return this.live.size;
  }

  /** Whether the session's document is in memory. */
  isLoaded(id: string): boolean {
    return this.live.has(id);
  }

  /** Closes every participant, writes everything and unloads every document. */
  async shutdown(closeCode: number, reason: string): Promise<void> {
    this.closing = true;
    await Promise.allSettled(this.loading.values());
    for (const live of this.live.values()) {
      for (const participant of [...live.participants]) participant.close(closeCode, reason);
      this.queue.touch({ sessionId: live.id, lastActivity: live.record.lastActivity });
    }
    await this.queue.close();
    for (const live of [...this.live.values()]) {
      await this.snapshot(live).catch((error: unknown) => {
        this.options.logger.error({ err: error, sessionId: live.id }, 'final snapshot failed (the update log is complete)');
      });
      this.options.bus?.detach(live);
      this.live.delete(live.id);
      live.destroy();
    }
  }

  private async findRecord(id: string): Promise<SessionRecord> {
    let record: SessionRecord | null;
    try {
      record = await this.options.storage.getSession(id);
    } catch (error) {
      this.options.logger.error({ err: error, sessionId: id }, 'session lookup failed');
      throw new SessionError(ErrorCode.Unavailable, 'storage is unavailable; try again shortly');
    }
    if (!record) throw new SessionError(ErrorCode.SessionNotFound, `session ${id} does not exist`);
    if (this.isExpired(record)) throw new SessionError(ErrorCode.SessionExpired, `session ${id} has expired`);
    return record;
  }

  private isExpired(record: SessionRecord): boolean {
    const now = this.now();
    return now - record.lastActivity > this.options.sessionTtlMs || now - record.createdAt > this.options.sessionMaxAgeMs;
  }

  private async load(id: string): Promise<LiveSession> {
    const record = await this.findRecord(id);
    const started = performance.now();
    let stored: StoredDocument;
    try {
      stored = await this.options.storage.loadDocument(id);
    } catch (error) {
      this.options.logger.error({ err: error, sessionId: id }, 'document load failed');
      throw new SessionError(ErrorCode.Unavailable, 'the session could not be loaded; try again shortly');
    }
    if (this.closing) throw new SessionError(ErrorCode.Unavailable, 'the server is shutting down');
    const live = new LiveSession(record);
    this.apply(live.doc, id, stored);
    live.lastSeq = stored.lastSeq;
    live.updatesSinceSnapshot = stored.updatesSinceSnapshot;
    // What was stored bounds the encoded size from above, which is all `fits` needs of the estimate.
    live.approxBytes = (stored.snapshot?.length ?? 0) + stored.updates.reduce((sum, update) => sum + update.length, 0);
    // The lock may have changed while the document was not loaded.
    live.mirrorReadOnly();
    live.doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
      // The meta map's changes are read off the transaction instead of through `meta.observe`,
      // whose listener array would cost every loaded session another ~200 bytes.
      const metaKeys = (transaction.changed as Map<unknown, Set<string | null>>).get(live.meta);
      if (metaKeys) this.metaChanged(live, metaKeys, origin);
      if (origin === STORAGE_ORIGIN) return;
      const at = this.now();
      live.record.lastActivity = at;
      live.updatesSinceSnapshot++;
      live.approxBytes += update.length;
      // The instance whose participant made an update stores it; the others only relay it.
      if (origin !== REDIS_ORIGIN) this.queue.push({ sessionId: id, update, at });
    });
    if (this.options.bus) {
      // Updates other instances have not stored yet come from Redis, before anyone is answered.
      await this.options.bus.attach(live, async () => this.apply(live.doc, id, await this.options.storage.loadDocument(id)));
    }
    this.live.set(id, live);
    // Someone opened it; if nobody joins (a refused or dropped connection) it must still unload.
    this.scheduleUnload(live, this.options.unloadGraceMs);
    this.options.logger.debug(
      { sessionId: id, updates: stored.updates.length, ms: +(performance.now() - started).toFixed(2) },
      'session loaded',
    );
    if (live.updatesSinceSnapshot >= this.options.snapshotEvery) this.snapshotInBackground(live);
    return live;
  }

  /** Keys of the session's meta map changed: the lock flag is put right, a new language recorded. */
  private metaChanged(live: LiveSession, keys: Set<string | null>, origin: unknown): void {
    // Only the server writes the lock flag: a client that flips it is put right at once.
    if (keys.has(READ_ONLY_KEY) && isParticipant(origin)) live.mirrorReadOnly();
    if (!keys.has(LANGUAGE_KEY)) return;
    const language = live.language;
    live.record.language = language;
    this.queue.touch({ sessionId: live.id, lastActivity: this.now(), language });
  }

  /**
   * Applies a stored document to `doc`: the snapshot, then each later update, skipping (and
   * logging) any that fails to decode so one corrupt row cannot make a session unloadable.
   * Updates are applied one by one on purpose: `Y.mergeUpdates` grows quadratically with their
   * number (see docs/benchmarks.md).
   */
  private apply(doc: Y.Doc, id: string, stored: StoredDocument): void {
    const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates;
    for (const [index, part] of parts.entries()) {
      try {
        Y.applyUpdate(doc, part, STORAGE_ORIGIN);
      } catch (error) {
        this.options.logger.error({ err: error, sessionId: id, index }, 'skipping a stored update that does not decode');
      }
    }
  }

  private scheduleUnload(live: LiveSession, delayMs: number): void {
    if (live.unloadTimer) clearTimeout(live.unloadTimer);
    live.unloadTimer = setTimeout(() => {
      live.unloadTimer = null;
      void this.unload(live);
    }, delayMs);
  }

  private async unload(live: LiveSession): Promise<void> {
    if (live.participants.size > 0 || this.live.get(live.id) !== live) return;
    // The queue stores a typing session's activity once per touch period: the exact last one now.
    this.queue.touch({ sessionId: live.id, lastActivity: live.record.lastActivity });
    try {
      await this.queue.flush();
      await this.snapshot(live);
    } catch (error) {
      // Keep the document: it is the only complete copy until storage takes the writes.
      this.options.logger.error({ err: error, sessionId: live.id }, 'unload postponed: storage write failed');
      if (live.participants.size === 0) this.scheduleUnload(live, Math.min(this.options.unloadGraceMs, UNLOAD_RETRY_MS));
      return;
    }
    if (live.participants.size > 0 || this.live.get(live.id) !== live) return;
    this.options.bus?.detach(live);
    this.live.delete(live.id);
    live.destroy();
    this.options.metrics?.sessionDuration.observe((Date.now() - live.loadedAt) / 1000);
    this.options.logger.debug({ sessionId: live.id }, 'session unloaded');
  }

  private afterWrite(lastSeq: Map<string, number>): void {
    for (const [id, seq] of lastSeq) {
      const live = this.live.get(id);
      if (!live) continue;
      live.lastSeq = Math.max(live.lastSeq, seq);
      if (live.updatesSinceSnapshot >= this.options.snapshotEvery) this.snapshotInBackground(live);
    }
  }

  private snapshotInBackground(live: LiveSession): void {
    this.snapshot(live).catch((error: unknown) => {
      this.options.logger.error({ err: error, sessionId: live.id }, 'snapshot failed; will retry after more updates');
    });
  }

  /**
   * Stores the whole document as the snapshot covering every update logged so far. With other
   * instances, updates they stored may not have reached this document yet, so it first
   * integrates everything storage holds (idempotent) and claims only what it read.
   */
  private async snapshot(live: LiveSession): Promise<void> {
    if (live.updatesSinceSnapshot === 0 || live.snapshotting) return;
    live.snapshotting = true;
    try {
      // Updates arriving during the write stay counted; the count only decides when to compact.
      const covered = live.updatesSinceSnapshot;
      let uptoSeq = live.lastSeq;
      if (this.options.bus) {
        const stored = await this.options.storage.loadDocument(live.id);
        this.apply(live.doc, live.id, stored);
        uptoSeq = stored.lastSeq;
      }
      if (uptoSeq === 0) return;
      await this.options.storage.saveSnapshot(live.id, Y.encodeStateAsUpdate(live.doc), uptoSeq);
      live.updatesSinceSnapshot = Math.max(0, live.updatesSinceSnapshot - covered);
    } finally {
      live.snapshotting = false;
    }
  }
}
