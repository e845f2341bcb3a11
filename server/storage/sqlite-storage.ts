import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { isLanguage } from '../../shared/languages.js';
import type { Logger } from '../logger.js';
import { INSERT_UPDATE_SQL, openSqlite, whileBusy } from './sqlite-open.js';
import { MOVE_DEFAULTS, SqliteWriter, type WriterOptions } from './sqlite-writer.js';
import { parseAccess, type LoggedUpdate, type SessionAccess, type SessionRecord, type Storage, type StoredDocument, type WriteBatch } from './storage.js';

/** Schema versions, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     last_activity INTEGER NOT NULL,
     language TEXT NOT NULL
   );
   CREATE TABLE updates (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL REFERENCES sessions(id),
     at INTEGER NOT NULL,
     data BLOB NOT NULL
   );
   CREATE INDEX updates_by_session ON updates(session_id, seq);
   CREATE TABLE snapshots (
     session_id TEXT PRIMARY KEY REFERENCES sessions(id),
     upto_seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     data BLOB NOT NULL
   );`,
  `ALTER TABLE sessions ADD COLUMN access TEXT;`,
  // New updates are appended here and moved into \`updates\` in bulk (see sqlite-open.ts). Its seq
  // continues the log's: both tables share one sequence, so snapshots and loads order them as one.
  `CREATE TABLE recent_updates (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL REFERENCES sessions(id),
     at INTEGER NOT NULL,
     data BLOB NOT NULL
   );
   INSERT INTO sqlite_sequence (name, seq) SELECT 'recent_updates', MAX(
     COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'updates'), 0),
     COALESCE((SELECT MAX(seq) FROM updates), 0));`,
  // Update uids (StoredUpdate.uid): the move into \`updates\` skips a uid its session already
  // holds. Partial, so updates logged without one cost the index nothing.
  `ALTER TABLE recent_updates ADD COLUMN uid TEXT;
   ALTER TABLE updates ADD COLUMN uid TEXT;
   CREATE UNIQUE INDEX updates_uid ON updates(session_id, uid) WHERE uid IS NOT NULL;`,
];

interface SessionRow {
  id: string;
  created_at: number;
  last_activity: number;
  language: string;
  access: string | null;
}

/**
 * The embedded default: one SQLite file (`sessions.db`) in the data directory, in WAL mode so a
 * committed batch survives a killed process. better-sqlite3 is synchronous: the short calls
 * (one indexed statement: a session's record, its document on load, a new session) run on the
 * event loop; the write queue's batches and snapshots go to a writer thread (SqliteWriter), so
 * their transactions and WAL checkpoints never hold up the keystrokes being relayed.
 */
export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly writer: SqliteWriter;
  private readonly statements;

  /**
   * `logger` hears of writer-thread failures (writes waiting on it are failed and retried anyway);
   * `move` sets when recent updates go under their sessions (tests move after every write).
   * `keepUids` false stores updates without their uids, for a file only this process writes: a
   * SQLite write that fails has committed nothing, so nothing can store one update twice, and
   * the uids cost the writer about a third more CPU per update (docs/benchmarks.md). Instances
   * sharing the file (with Redis) keep them.
   */
  constructor(
    dataDir: string,
    logger?: Logger,
    move: Omit<WriterOptions, 'file'> = MOVE_DEFAULTS,
    private readonly keepUids = true,
  ) {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'sessions.db');
    this.db = openSqlite(file);
    // Instances sharing the file migrate once: migrating takes a lock SQLite does not wait for.
    whileBusy(() => this.migrate());
    this.writer = new SqliteWriter({ file, ...move }, logger);
    this.statements = {
      insertSession: this.db.prepare(
        'INSERT INTO sessions (id, created_at, last_activity, language, access) VALUES (?, ?, ?, ?, ?)',
      ),
      getSession: this.db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      updateAccess: this.db.prepare('UPDATE sessions SET access = ? WHERE id = ?'),
      insertUpdate: this.db.prepare(INSERT_UPDATE_SQL),
      getSnapshot: this.db.prepare<[string], { upto_seq: number; data: Buffer }>(
        'SELECT upto_seq, data FROM snapshots WHERE session_id = ?',
      ),
      // Each reads both tables in one statement, so in one snapshot: a move committing meanwhile
      // can neither hide an update nor show it twice. The recent table is a few seconds of the log.
      updatesAfter: this.db.prepare<{ id: string; after: number }, { seq: number; data: Buffer }>(
        `SELECT seq, data FROM updates WHERE session_id = :id AND seq > :after
         UNION ALL SELECT seq, data FROM recent_updates WHERE session_id = :id AND seq > :after ORDER BY seq`,
      ),
      lastSeq: this.db.prepare<{ id: string }, { seq: number | null }>(
        `SELECT MAX(seq) AS seq FROM (SELECT MAX(seq) AS seq FROM updates WHERE session_id = :id
         UNION ALL SELECT MAX(seq) FROM recent_updates WHERE session_id = :id)`,
      ),
      history: this.db.prepare<{ id: string }, { seq: number; at: number; data: Buffer; uid: string | null }>(
        `SELECT seq, at, data, uid FROM updates WHERE session_id = :id
         UNION ALL SELECT seq, at, data, uid FROM recent_updates WHERE session_id = :id ORDER BY seq`,
      ),
    };
  }

  /** Opens the file and waits until the writer thread is up, so the first flush is not late. */
  static async open(dataDir: string, logger?: Logger, move?: Omit<WriterOptions, 'file'>, keepUids?: boolean): Promise<SqliteStorage> {
    const storage = new SqliteStorage(dataDir, logger, move, keepUids);
    try {
      await storage.writer.ping();
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  }

  async createSession(record: SessionRecord, initialUpdate: Uint8Array): Promise<void> {
    this.db.transaction(() => {
      this.statements.insertSession.run(record.id, record.createdAt, record.lastActivity, record.language, JSON.stringify(record.access));
      this.statements.insertUpdate.run(record.id, record.createdAt, initialUpdate, null);
    })();
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const row = this.statements.getSession.get(id);
    if (!row) return null;
    return {
      id: row.id,
      createdAt: row.created_at,
      lastActivity: row.last_activity,
      language: isLanguage(row.language) ? row.language : 'javascript',
      access: parseAccess(row.access),
    };
  }

  async updateAccess(id: string, access: SessionAccess): Promise<void> {
    const { changes } = this.statements.updateAccess.run(JSON.stringify(access), id);
    if (changes === 0) throw new Error(`session ${id} does not exist`);
  }

  async write(batch: WriteBatch): Promise<Map<string, number>> {
    return this.writer.write(batch.updates, batch.touches, this.keepUids);
  }

  async loadDocument(id: string): Promise<StoredDocument> {
    const snapshot = this.statements.getSnapshot.get(id);
    const rows = this.statements.updatesAfter.all({ id, after: snapshot?.upto_seq ?? 0 });
    const lastSeq = rows.at(-1)?.seq ?? this.statements.lastSeq.get({ id })?.seq ?? 0;
    return {
      snapshot: snapshot ? new Uint8Array(snapshot.data) : null,
      updates: rows.map((row) => new Uint8Array(row.data)),
      lastSeq,
      updatesSinceSnapshot: rows.length,
    };
  }

  /** One writer at a time holds the file's lock and takes seqs in commit order: no read sees a gap. */
  async loadUpdatesAfter(id: string, afterSeq: number): Promise<{ updates: Uint8Array[]; lastSeq: number }> {
    const rows = this.statements.updatesAfter.all({ id, after: afterSeq });
    return { updates: rows.map((row) => new Uint8Array(row.data)), lastSeq: rows.at(-1)?.seq ?? afterSeq };
  }

  async saveSnapshot(id: string, state: Uint8Array, uptoSeq: number): Promise<void> {
    await this.writer.saveSnapshot(id, state, uptoSeq);
  }

  /**
   * Until the writer files recent updates under their sessions (which skips repeated uids), a
   * repeated one may still be read: it is left out here, and harmless in a load (Yjs updates are
   * idempotent).
   */
  async history(id: string): Promise<LoggedUpdate[]> {
    const seen = new Set<string>();
    const logged: LoggedUpdate[] = [];
    for (const row of this.statements.history.all({ id })) {
      if (row.uid !== null) {
        if (seen.has(row.uid)) continue;
        seen.add(row.uid);
      }
      logged.push({ seq: row.seq, at: row.at, update: new Uint8Array(row.data), uid: row.uid });
    }
    return logged;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
    await this.writer.ping();
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }

  /** Applies pending migrations under a write lock, so instances sharing the file migrate once. */
  private migrate(): void {
    this.db
      .transaction(() => {
        const applied = this.db.pragma('user_version', { simple: true }) as number;
        for (let version = applied; version < MIGRATIONS.length; version++) this.db.exec(MIGRATIONS[version]!);
        if (applied < MIGRATIONS.length) this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      })
      .immediate();
  }
}
