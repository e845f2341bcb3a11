import type { Language } from '../../shared/languages.js';

/**
 * Who may do what in a session. Secrets are kept only as hashes. The epochs are bumped to revoke:
 * a token carries the epoch of its role and stops working when it changes.
 */
export interface SessionAccess {
  /** SHA-256 (hex) of the owner secret; empty for sessions created before roles existed. */
  ownerSecretHash: string;
  /** scrypt hash of the password (`scrypt$N$r$p$salt$hash`), or null for an ordinary session. */
  passwordHash: string | null;
  /** Candidates may read but not edit. */
  readOnly: boolean;
  /** When the interviewer ended the session, or null. */
  endedAt: number | null;
  candidateEpoch: number;
  ownerEpoch: number;
}

/** Access of a session created before roles existed: open, with no interviewer. */
export const LEGACY_ACCESS: SessionAccess = {
  ownerSecretHash: '',
  passwordHash: null,
  readOnly: false,
  endedAt: null,
  candidateEpoch: 0,
  ownerEpoch: 0,
};

/** What is kept of a session besides its document. */
export interface SessionRecord {
  id: string;
  createdAt: number;
  lastActivity: number;
  language: Language;
  access: SessionAccess;
}

/** Reads an access column written by `JSON.stringify(access)`; anything else is legacy access. */
export function parseAccess(raw: string | null | undefined): SessionAccess {
  if (!raw) return { ...LEGACY_ACCESS };
  try {
    return { ...LEGACY_ACCESS, ...(JSON.parse(raw) as Partial<SessionAccess>) };
  } catch {
    return { ...LEGACY_ACCESS };
  }
}

/** One Yjs update as received, with the time it arrived. */
export interface StoredUpdate {
  sessionId: string;
  update: Uint8Array;
  at: number;
  /**
   * The update's unique id in its session (`newUpdateUid()`), given once where it entered the
   * system and kept by every path that stores it: a write repeated with the same uid (a retry
   * after a lost COMMIT reply, two instances persisting one Redis stream entry) stores it once.
   * Absent: never deduplicated (a session's first update, tests).
   */
  uid?: string;
}

/** One logged update as the history reads it. */
export interface LoggedUpdate {
  seq: number;
  at: number;
  update: Uint8Array;
  /** Its uid (StoredUpdate.uid), or null for one logged without. */
  uid: string | null;
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
  /** Replaces a session's access settings at once (not batched: access changes must be durable). */
  updateAccess(id: string, access: SessionAccess): Promise<void>;
  /**
   * Appends updates and applies touches in one transaction; returns the last seq per session
   * written. An update whose uid the session's log already holds is skipped (and not reported).
   */
  write(batch: WriteBatch): Promise<Map<string, number>>;
  /**
   * Loads the latest snapshot and the updates logged after it. `lastSeq` is safe as for
   * `loadUpdatesAfter`: no update at or below it can be committed later.
   */
  loadDocument(id: string): Promise<StoredDocument>;
  /**
   * The updates logged after `afterSeq`, oldest first, and the seq of the last of them (`afterSeq`
   * when there are none). No update at or below that seq can be committed after this read, also
   * while other instances write: a document built from a load and such reads covers every logged
   * update up to it, which a snapshot may then claim.
   */
  loadUpdatesAfter(id: string, afterSeq: number): Promise<{ updates: Uint8Array[]; lastSeq: number }>;
  /**
   * Stores a snapshot covering every update up to and including `uptoSeq` (it may cover more:
   * Yjs updates are idempotent). The update log itself is kept as the session's history.
   */
  saveSnapshot(id: string, state: Uint8Array, uptoSeq: number): Promise<void>;
  /** Every logged update of a session, oldest first (the session's history), each uid once. */
  history(id: string): Promise<LoggedUpdate[]>;
  /**
   * Resolves when the engine answers a trivial query, rejects otherwise (closed, unreachable,
   * or too slow). Used by readiness (`/readyz`); it never throws synchronously.
   */
  ping(): Promise<void>;
  /** Releases the underlying resources; further calls fail. */
  close(): Promise<void>;
}
