import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isLanguage } from '../../shared/languages.js';
import { parseAccess, type SessionAccess, type SessionRecord, type Storage, type StoredDocument, type WriteBatch } from './storage.js';

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
];

/** Runs `action`, retrying for up to 5 s while another connection holds the database lock. */
function whileBusy<T>(action: () => T): T {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return action();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

interface SessionRow {
  id: string;
  created_at: number;
  last_activity: number;
  language: string;
  access: string | null;
}

/**
 * The embedded default: one SQLite file (`sessions.db`) in the data directory, in WAL mode so a
 * committed batch survives a killed process. better-sqlite3 is synchronous; every call is short
 * (one indexed statement or one batched transaction), so it runs on the event loop.
 */
export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, 'sessions.db'));
    // Several instances may open one file at once (tests, a single-host deployment): switching to
    // WAL and migrating take locks SQLite does not wait for, so retry those briefly.
    whileBusy(() => this.db.pragma('journal_mode = WAL'));
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    whileBusy(() => this.migrate());
    this.statements = {
      insertSession: this.db.prepare(
        'INSERT INTO sessions (id, created_at, last_activity, language, access) VALUES (?, ?, ?, ?, ?)',
      ),
      getSession: this.db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      updateAccess: this.db.prepare('UPDATE sessions SET access = ? WHERE id = ?'),
      insertUpdate: this.db.prepare('INSERT INTO updates (session_id, at, data) VALUES (?, ?, ?)'),
      touch: this.db.prepare(
        'UPDATE sessions SET last_activity = MAX(last_activity, ?), language = COALESCE(?, language) WHERE id = ?',
      ),
      getSnapshot: this.db.prepare<[string], { upto_seq: number; data: Buffer }>(
        'SELECT upto_seq, data FROM snapshots WHERE session_id = ?',
      ),
      updatesAfter: this.db.prepare<[string, number], { seq: number; data: Buffer }>(
        'SELECT seq, data FROM updates WHERE session_id = ? AND seq > ? ORDER BY seq',
      ),
      lastSeq: this.db.prepare<[string], { seq: number | null }>(
        'SELECT MAX(seq) AS seq FROM updates WHERE session_id = ?',
      ),
      saveSnapshot: this.db.prepare(
        `INSERT INTO snapshots (session_id, upto_seq, at, data) VALUES (?, ?, ?, ?)
         ON CONFLICT(session_id) DO UPDATE SET upto_seq = excluded.upto_seq, at = excluded.at, data = excluded.data
         WHERE excluded.upto_seq > snapshots.upto_seq`,
      ),
      history: this.db.prepare<[string], { seq: number; at: number; data: Buffer }>(
        'SELECT seq, at, data FROM updates WHERE session_id = ? ORDER BY seq',
      ),
    };
  }

  async createSession(record: SessionRecord, initialUpdate: Uint8Array): Promise<void> {
    this.db.transaction(() => {
      this.statements.insertSession.run(record.id, record.createdAt, record.lastActivity, record.language, JSON.stringify(record.access));
      this.statements.insertUpdate.run(record.id, record.createdAt, initialUpdate);
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
    return this.db.transaction(() => {
      const last = new Map<string, number>();
      for (const { sessionId, update, at } of batch.updates) {
        const { lastInsertRowid } = this.statements.insertUpdate.run(sessionId, at, update);
        last.set(sessionId, Number(lastInsertRowid));
      }
      for (const touch of batch.touches) {
        const { changes } = this.statements.touch.run(touch.lastActivity, touch.language ?? null, touch.sessionId);
        if (changes === 0) throw new Error(`session ${touch.sessionId} does not exist`);
      }
      return last;
    })();
  }

  async loadDocument(id: string): Promise<StoredDocument> {
    const snapshot = this.statements.getSnapshot.get(id);
    const rows = this.statements.updatesAfter.all(id, snapshot?.upto_seq ?? 0);
    const lastSeq = rows.at(-1)?.seq ?? this.statements.lastSeq.get(id)?.seq ?? 0;
    return {
      snapshot: snapshot ? new Uint8Array(snapshot.data) : null,
      updates: rows.map((row) => new Uint8Array(row.data)),
      lastSeq,
      updatesSinceSnapshot: rows.length,
    };
  }

  async saveSnapshot(id: string, state: Uint8Array, uptoSeq: number): Promise<void> {
    this.statements.saveSnapshot.run(id, uptoSeq, Date.now(), state);
  }

  async history(id: string): Promise<Array<{ seq: number; at: number; update: Uint8Array }>> {
    return this.statements.history.all(id).map((row) => ({ seq: row.seq, at: row.at, update: new Uint8Array(row.data) }));
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
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
