import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import type { Language } from '../../shared/languages.js';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import { CODE_TEXT, LANGUAGE_KEY, META_MAP, READ_ONLY_KEY } from '../../shared/schema.js';
import type { Logger } from '../logger.js';
import type { LoggedUpdate, SessionAccess, SessionRecord, Storage, StoredDocument, StoredUpdate } from '../storage/storage.js';
import { newUpdateUid } from '../storage/update-uid.js';
import { WriteQueue } from '../storage/write-queue.js';
import { ExtensionChain } from './extension-chain.js';
import { isParticipant, LiveSession, type Participant, type SessionListener } from './live-session.js';
import { REDIS_ORIGIN, SERVER_ORIGIN, STORAGE_ORIGIN } from './origins.js';
import type { AwarenessChange, SessionExtension } from './session-extension.js';
import { SessionError } from './session-error.js';
import { applyLogged, applyStored } from './stored-document.js';

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
  /**
   * What plugs into every session's lifecycle, called in this order (see SessionExtension):
   * fan-out to each protocol's clients, relaying to other instances, metrics, ...
   */
  extensions?: readonly SessionExtension[];
  /**
   * Other instances append to the same update log (scale-out): a snapshot first integrates what
   * they stored after what the document covers, since it must cover every update up to the
   * sequence number it claims.
   */
  sharedLog?: boolean;
  now?: () => number;
}

/** The facts REST reports about any session, whatever the caller's role. */
export interface SessionSummary {
  id: string;
  language: Language;
  participants: number;
  createdAt: number;
  lastActivity: number;
}

/** How often lapsed grants and sessions past their maximum age are looked for among the connected. */
const EXPIRY_SWEEP_MS = 1_000;

/** Longest retry delay for an unload whose final write failed (the document stays in memory meanwhile). */
const UNLOAD_RETRY_MS = 5_000;

/**
 * Owns every session: creation, lookup with expiry, loading each document once (concurrent
 * opens share one load), persisting its updates through the write queue, and unloading it a
 * grace period after its last participant left, but only once everything it holds is stored.
 */
export class SessionHub implements SessionListener {
  readonly queue: WriteQueue;
  private readonly extensions: ExtensionChain;
  private readonly live = new Map<string, LiveSession>();
  private readonly loading = new Map<string, Promise<LiveSession>>();
  private readonly now: () => number;
  private closing = false;
  private readonly expirySweep: NodeJS.Timeout;

  constructor(private readonly options: SessionHubOptions) {
    this.now = options.now ?? Date.now;
    const extensions = (this.extensions = new ExtensionChain(options.extensions ?? [], options.logger));
    this.queue = new WriteQueue(options.storage, {
      intervalMs: options.flushIntervalMs,
      logger: options.logger,
      onWritten: (lastSeq) => this.afterWrite(lastSeq),
      onTimed: (seconds, ok) => extensions.storageWrite(seconds, ok),
    });
    this.expirySweep = setInterval(() => this.closeExpired(), EXPIRY_SWEEP_MS);
    this.expirySweep.unref();
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

  /** Whether `bytes` more fit in the session's document (MAX_DOCUMENT_BYTES). */
  fits(live: LiveSession, bytes: number): boolean {
    return live.fits(bytes, this.options.maxDocumentBytes);
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
  async describe(id: string): Promise<SessionSummary> {
    const live = this.live.get(id);
    const record = live?.record ?? (await this.findRecord(id));
    const local = live?.participants.size ?? 0;
    return {
      id,
      language: live?.language ?? record.language,
      participants: await this.extensions.countParticipants(id, local),
      createdAt: record.createdAt,
      lastActivity: record.lastActivity,
    };
  }

  /** The session's current code, read from memory when loaded, else from storage. */
  async code(id: string): Promise<string> {
    return this.read(id, (doc) => doc.getText(CODE_TEXT).toString());
  }

  /**
   * Reads the session's document: the live one when loaded, else a copy built for the call (an
   * API read does not keep a document in memory) from what extensions hold durably but storage
   * may not yet (the Redis stream: read first, so nothing can leave it for storage unseen in
   * between) and from storage.
   */
  async read<T>(id: string, reader: (doc: Y.Doc) => T): Promise<T> {
    const live = await this.settled(id);
    if (live) return reader(live.doc);
    await this.findRecord(id);
    const unstored = await this.extensions.unstored(id);
    const doc = new Y.Doc();
    try {
      applyStored(doc, await this.loadStored(id), this.options.logger, id);
      applyLogged(doc, unstored.map((entry) => entry.update), this.options.logger, id);
      return reader(doc);
    } finally {
      doc.destroy();
    }
  }

  /**
   * The session's history: every logged update, oldest first, then those durable elsewhere but
   * not stored yet (the Redis stream), each uid once; `seq` is 0 for the latter.
   */
  async history(id: string): Promise<LoggedUpdate[]> {
    await this.findRecord(id);
    const unstored = await this.extensions.unstored(id);
    let logged: LoggedUpdate[];
    try {
      logged = await this.options.storage.history(id);
    } catch (error) {
      this.options.logger.error({ err: error, sessionId: id }, 'history read failed');
      throw new SessionError(ErrorCode.Unavailable, 'storage is unavailable; try again shortly');
    }
    const uids = new Set(logged.map((entry) => entry.uid));
    for (const { update, at, uid } of unstored) {
      if (uid !== undefined && uids.has(uid)) continue;
      logged.push({ seq: 0, at, update, uid: uid ?? null });
    }
    return logged;
  }

  /** The session's participants over every instance (this one's counted from memory). */
  async participants(live: LiveSession): Promise<number> {
    return this.extensions.countParticipants(live.id, live.participants.size);
  }

  /**
   * The session in memory, waiting for a load in progress to finish; undefined when it is not
   * loaded (or its load fails). What must reach every participant goes through this, or a
   * session loading meanwhile would miss it.
   */
  async settled(id: string): Promise<LiveSession | undefined> {
    const live = this.live.get(id);
    if (live || !this.loading.has(id)) return live;
    return this.open(id).catch(() => undefined);
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
    live.cancelUnload();
    live.participants.add(participant);
    live.touch(this.now());
    this.queue.touch({ sessionId: live.id, lastActivity: live.record.lastActivity });
    this.extensions.participants(live, participant, true);
  }

  /** Removes a participant; the last one leaving starts the unload grace period. */
  leave(live: LiveSession, participant: Participant): void {
    if (!live.participants.delete(participant)) return;
    // Sockets closed by shutdown report their close after the document is already released.
    if (this.closing || this.live.get(live.id) !== live) return;
    this.extensions.participants(live, participant, false);
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
    clearInterval(this.expirySweep);
    await Promise.allSettled(this.loading.values());
    for (const live of this.live.values()) {
      for (const participant of [...live.participants]) participant.close(closeCode, reason);
      this.queue.touch({ sessionId: live.id, lastActivity: live.record.lastActivity });
    }
    await this.extensions.beforeShutdown();
    await this.queue.close();
    for (const live of [...this.live.values()]) {
      await this.snapshot(live).catch((error: unknown) => {
        this.options.logger.error({ err: error, sessionId: live.id }, 'final snapshot failed (the update log is complete)');
      });
      this.release(live);
    }
  }

  /**
   * Closes what lapsed while connected: every participant of a session past SESSION_MAX_AGE
   * (4410), and each participant whose grant expired (4401; a token's lifetime). Both were
   * checked only when a connection opened, and an open socket kept editing after either.
   */
  private closeExpired(): void {
    const now = this.now();
    for (const live of this.live.values()) {
      if (now - live.record.createdAt > this.options.sessionMaxAgeMs) {
        for (const participant of [...live.participants]) participant.close(CloseCode.SessionExpired, 'the session has expired');
        continue;
      }
      for (const participant of live.participants) {
        if (participant.expiresAt <= now) participant.close(CloseCode.Unauthorized, 'your access has expired; sign in again');
      }
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

  /** The session's stored document; throws SessionError when storage fails. */
  private async loadStored(id: string): Promise<StoredDocument> {
    try {
      return await this.options.storage.loadDocument(id);
    } catch (error) {
      this.options.logger.error({ err: error, sessionId: id }, 'document load failed');
      throw new SessionError(ErrorCode.Unavailable, 'the session could not be loaded; try again shortly');
    }
  }

  private async load(id: string): Promise<LiveSession> {
    const record = await this.findRecord(id);
    const started = performance.now();
    // As in `read`: what is durable elsewhere first, so nothing moves into storage unseen.
    const unstored = await this.extensions.unstored(id);
    const stored = await this.loadStored(id);
    if (this.closing) throw new SessionError(ErrorCode.Unavailable, 'the server is shutting down');
    const live = new LiveSession(record, stored);
    applyStored(live.doc, stored, this.options.logger, id);
    applyLogged(live.doc, unstored.map((entry) => entry.update), this.options.logger, id);
    live.listen(this);
    // The lock may have changed while the document was not loaded.
    live.mirrorReadOnly();
    try {
      // Updates other instances have not stored yet (Redis), before anyone is answered.
      await this.extensions.afterLoad(live);
    } catch (error) {
      live.destroy();
      throw error;
    }
    this.live.set(id, live);
    // Someone opened it; if nobody joins (a refused or dropped connection) it must still unload.
    this.scheduleUnload(live, this.options.unloadGraceMs);
    this.options.logger.debug(
      { sessionId: id, updates: stored.updates.length, ms: +(performance.now() - started).toFixed(2) },
      'session loaded',
    );
    if (live.snapshotDue(this.options.snapshotEvery)) this.snapshotInBackground(live);
    return live;
  }

  /**
   * Every update of a loaded document: counted, handed to the extensions in order (local clients
   * first), then logged under a new uid if it was made here (storage loads and Redis relays were
   * logged where they came from): by the first extension that takes it (the Redis stream), else
   * by the write queue. Meta changes are read off the transaction instead of through
   * `meta.observe`, whose listener array would cost every loaded session ~200 bytes.
   */
  update(live: LiveSession, update: Uint8Array, origin: unknown, transaction: Y.Transaction): void {
    const metaKeys = (transaction.changed as Map<unknown, Set<string | null>>).get(live.meta);
    if (metaKeys) this.metaChanged(live, metaKeys, origin);
    if (origin === STORAGE_ORIGIN) return this.extensions.update(live, update, origin, transaction);
    const at = this.now();
    live.noteUpdate(update.length, at);
    this.extensions.update(live, update, origin, transaction);
    if (origin !== REDIS_ORIGIN) this.log({ sessionId: live.id, update, at, uid: newUpdateUid() }, live);
  }

  /** Logs an update made here: an extension's write-ahead log takes it, or the write queue. */
  private log(entry: StoredUpdate, live: LiveSession): void {
    if (this.extensions.log(live, entry)) this.queue.active(entry.sessionId, entry.at);
    else this.queue.push(entry);
  }

  awareness(live: LiveSession, change: AwarenessChange, origin: unknown): void {
    this.extensions.awareness(live, change, origin);
  }

  /** Keys of the session's meta map changed: the lock flag is put right, a new language recorded. */
  private metaChanged(live: LiveSession, keys: Set<string | null>, origin: unknown): void {
    // Only the server writes the lock flag: a client that flips it is put right at once.
    if (keys.has(READ_ONLY_KEY) && isParticipant(origin)) live.mirrorReadOnly();
    if (!keys.has(LANGUAGE_KEY)) return;
    const language = live.noteLanguage();
    this.queue.touch({ sessionId: live.id, lastActivity: this.now(), language });
  }

  private scheduleUnload(live: LiveSession, delayMs: number): void {
    live.scheduleUnload(delayMs, () => void this.unload(live));
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
    this.release(live);
    this.options.logger.debug({ sessionId: live.id }, 'session unloaded');
  }

  /** Takes a stored session out of memory, with the extensions' unload hooks around it. */
  private release(live: LiveSession): void {
    this.extensions.beforeUnload(live);
    this.live.delete(live.id);
    live.destroy();
    this.extensions.afterUnload(live);
  }

  private afterWrite(lastSeq: Map<string, number>): void {
    for (const [id, seq] of lastSeq) {
      const live = this.live.get(id);
      if (!live) continue;
      // With a shared log, others' updates may sit below `seq` that this document lacks: what it
      // covers moves only with what it reads (see `snapshot`).
      if (!this.options.sharedLog) live.stored(seq);
      this.extensions.stored(live, seq);
      if (live.snapshotDue(this.options.snapshotEvery)) this.snapshotInBackground(live);
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
   * integrates those logged after what the document covers (idempotent; storage answers with a
   * seq no later commit can fall below) and claims only what it read.
   */
  private async snapshot(live: LiveSession): Promise<void> {
    await live.snapshot(async (lastSeq) => {
      let uptoSeq = lastSeq;
      if (this.options.sharedLog) {
        const after = await this.options.storage.loadUpdatesAfter(live.id, lastSeq);
        applyLogged(live.doc, after.updates, this.options.logger, live.id);
        live.stored(after.lastSeq);
        uptoSeq = after.lastSeq;
      }
      if (uptoSeq === 0) return false;
      await this.options.storage.saveSnapshot(live.id, Y.encodeStateAsUpdate(live.doc), uptoSeq);
      return true;
    });
  }
}
