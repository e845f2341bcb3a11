import type { Language } from '../../shared/languages.js';

/** What is kept of a session besides its document. */
export interface SessionRecord {
  id: string;
  createdAt: number;
  lastActivity: number;
  language: Language;
}

/** One Yjs update as received, with the time it arrived. */
export interface StoredUpdate {
  sessionId: string;
  update: Uint8Array;
  at: number;
}

/** Changes to a session's metadata, written with the updates of the same flush. */
export interface SessionTouch {
  sessionId: string;
  lastActivity: number;
  language?: Language;
}

/** A batch written in one transaction. */
export interface WriteBatch {
  updates: StoredUpdate[];
  touches: SessionTouch[];
}

/**
 * A session's persisted document: the latest compacted snapshot (if any) and the updates logged
 * after it. Applying `snapshot` then `updates` in order rebuilds the document.
 */
export interface StoredDocument {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** Sequence number of the last logged update (0 when there is none). */
  lastSeq: number;
  /** Updates logged after the snapshot (= `updates.length`). */
  updatesSinceSnapshot: number;
}

/**
 * Durable home of sessions and their append-only update history. Every implementation passes
 * the same contract suite (test/server/storage-contract.test.ts). Methods may throw; callers keep
 * data in memory and retry rather than lose it.
 */
export interface Storage {
  /** Stores a new session with its initial document state as the first logged update. */
  createSession(record: SessionRecord, initialUpdate: Uint8Array): Promise<void>;
  /** The session's record, or null when it was never created. */
  getSession(id: string): Promise<SessionRecord | null>;
  /** Appends updates and applies touches in one transaction; returns the last seq per session written. */
  write(batch: WriteBatch): Promise<Map<string, number>>;
  /** Loads the latest snapshot and the updates logged after it. */
  loadDocument(id: string): Promise<StoredDocument>;
  /**
   * Stores a snapshot covering every update up to and including `uptoSeq` (it may cover more:
   * Yjs updates are idempotent). The update log itself is kept as the session's history.
   */
  saveSnapshot(id: string, state: Uint8Array, uptoSeq: number): Promise<void>;
  /** Every logged update of a session, oldest first (the session's history). */
  history(id: string): Promise<Array<{ seq: number; at: number; update: Uint8Array }>>;
  /**
   * Resolves when the engine answers a trivial query, rejects otherwise (closed, unreachable,
   * or too slow). Used by readiness (`/readyz`); it never throws synchronously.
   */
  ping(): Promise<void>;
  /** Releases the underlying resources; further calls fail. */
  close(): Promise<void>;
}
