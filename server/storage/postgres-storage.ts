import type pg from 'pg';
import { isLanguage } from '../../shared/languages.js';
import { createLogger, type Logger } from '../logger.js';
import {
  parseAccess,
  type LoggedUpdate,
  type SessionAccess,
  type SessionRecord,
  type SessionTouch,
  type Storage,
  type StoredDocument,
  type WriteBatch,
} from './storage.js';

/** Options of PostgresStorage.open. */
export interface PostgresStorageOptions {
  /** Schema holding the tables (created when missing); default `public`. Tests use one per test. */
  schema?: string;
  /** Where errors of idle pooled connections (a restarted database, say) are reported. */
  logger?: Logger;
  /** Most connections the pool opens; default 10. */
  maxConnections?: number;
  /** How long `ping()` waits for an answer before rejecting; default 2 s. */
  pingTimeoutMs?: number;
}

/** A schema name we are willing to splice into SQL (quoted, but still checked first). */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Schema versions, applied in order; `schema_migrations` records each one that ran. Never edit
 * a released entry: append a new one. Statements run with the target schema as search_path.
 */
const MIGRATIONS: Array<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'sessions, update log, snapshots',
    sql: `CREATE TABLE sessions (
        id text PRIMARY KEY,
        created_at bigint NOT NULL,
        last_activity bigint NOT NULL,
        language text NOT NULL
      );
      CREATE TABLE updates (
        seq bigserial PRIMARY KEY,
        session_id text NOT NULL REFERENCES sessions(id),
        at bigint NOT NULL,
        data bytea NOT NULL
      );
      CREATE INDEX updates_by_session ON updates (session_id, seq);
      CREATE TABLE snapshots (
        session_id text PRIMARY KEY REFERENCES sessions(id),
        upto_seq bigint NOT NULL,
        at bigint NOT NULL,
        data bytea NOT NULL
      );`,
  },
  {
    version: 2,
    name: 'session access settings',
    sql: `ALTER TABLE sessions ADD COLUMN access text;`,
  },
  {
    // Existing rows keep a null uid, which never conflicts. Building the index takes a lock that
    // holds writes up while it scans the log: on a large log, migrate during a quiet moment.
    version: 3,
    name: 'update uids: a repeated write of an update is stored once',
    sql: `ALTER TABLE updates ADD COLUMN uid text;
      CREATE UNIQUE INDEX updates_uid ON updates (session_id, uid);`,
  },
];

/** Arbitrary key namespacing our advisory locks (pg_advisory_xact_lock(int, int)). */
const MIGRATION_LOCK_CLASS = 0x1e7e;

/**
 * The advisory locks that keep a session's log gap-free for readers: every write holds its
 * sessions' locks shared while it takes seqs and commits, and a read that reports a `lastSeq`
 * takes its session's lock exclusively first. Seqs come from one sequence as rows are inserted,
 * and two transactions may commit in the other order: without the locks a read could see seq 101
 * of a session while its seq 100 was still uncommitted, and a snapshot claiming 101 would hide
 * 100 from every later load.
 */
const SESSION_LOCK_CLASS = 0x1e7f;

interface SessionRow {
  id: string;
  created_at: string;
  last_activity: string;
  language: string;
  access: string | null;
}

/** Copies a bytea value out of pg's Buffer, which may be a slice of Node's shared buffer pool. */
function bytes(data: Buffer): Uint8Array {
  return new Uint8Array(data);
}

/** pg expects a Buffer for bytea; a Uint8Array view is wrapped without copying. */
function buffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Storage in PostgreSQL (`DATABASE_URL`), for several instances sharing one database. Same
 * contract as SqliteStorage: an append-only `updates` log ordered by a bigserial `seq`, one
 * snapshot per session, and every `write()` in one transaction. Open it with `open()`, which
 * runs the migrations. Integers stored as bigint come back from pg as strings and are converted
 * here; millisecond timestamps and sequence numbers stay far below 2^53.
 */
export class PostgresStorage implements Storage {
  private closed = false;
  private readonly sql;

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
    private readonly logger: Logger,
    private readonly pingTimeoutMs: number,
  ) {
    const s = `"${schema}"`;
    this.sql = {
      insertSession: `INSERT INTO ${s}.sessions (id, created_at, last_activity, language, access) VALUES ($1, $2, $3, $4, $5)`,
      updateAccess: `UPDATE ${s}.sessions SET access = $1 WHERE id = $2`,
      insertUpdate: `INSERT INTO ${s}.updates (session_id, at, data) VALUES ($1, $2, $3)`,
      getSession: `SELECT id, created_at, last_activity, language, access FROM ${s}.sessions WHERE id = $1`,
      // Shared, in one order (sorted keys), so writers never wait for each other.
      lockShared: `SELECT pg_advisory_xact_lock_shared(${SESSION_LOCK_CLASS}, k.key)
        FROM (SELECT DISTINCT hashtext(id) AS key FROM unnest($1::text[]) AS id ORDER BY 1) AS k`,
      lockExclusive: `SELECT pg_advisory_xact_lock(${SESSION_LOCK_CLASS}, hashtext($1))`,
      // One multi-row insert per batch; ORDER BY ord makes seq follow the batch's order. A uid the
      // session already holds (a retry after a lost COMMIT reply, say) is skipped.
      insertUpdates: `WITH inserted AS (
          INSERT INTO ${s}.updates (session_id, at, data, uid)
          SELECT u.session_id, u.at, u.data, u.uid
          FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::text[]) WITH ORDINALITY AS u(session_id, at, data, uid, ord)
          ORDER BY u.ord
          ON CONFLICT (session_id, uid) DO NOTHING
          RETURNING session_id, seq)
        SELECT session_id, max(seq) AS seq FROM inserted GROUP BY session_id`,
      touch: `UPDATE ${s}.sessions AS s
        SET last_activity = GREATEST(s.last_activity, t.last_activity), language = COALESCE(t.language, s.language)
        FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(id, last_activity, language)
        WHERE s.id = t.id
        RETURNING s.id`,
      // One statement, so the snapshot, the updates after it and the last seq come from one
      // consistent view even while other instances write.
      loadDocument: `WITH snap AS (SELECT upto_seq, data FROM ${s}.snapshots WHERE session_id = $1)
        SELECT 0 AS kind, upto_seq AS seq, data FROM snap
        UNION ALL
        SELECT 1, seq, data FROM ${s}.updates
          WHERE session_id = $1 AND seq > COALESCE((SELECT upto_seq FROM snap), 0)
        UNION ALL
        SELECT 2, max(seq), NULL FROM ${s}.updates WHERE session_id = $1
        ORDER BY kind, seq`,
      updatesAfter: `SELECT seq, data FROM ${s}.updates WHERE session_id = $1 AND seq > $2 ORDER BY seq`,
      saveSnapshot: `INSERT INTO ${s}.snapshots (session_id, upto_seq, at, data) VALUES ($1, $2, $3, $4)
        ON CONFLICT (session_id) DO UPDATE SET upto_seq = excluded.upto_seq, at = excluded.at, data = excluded.data
        WHERE excluded.upto_seq > snapshots.upto_seq`,
      history: `SELECT seq, at, data, uid FROM ${s}.updates WHERE session_id = $1 ORDER BY seq`,
    };
  }

  /**
   * Connects to `url` and applies pending migrations (serialized across instances by an advisory
   * lock). Rejects when the database is unreachable or a migration fails; nothing is left open then.
   */
  static async open(url: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) {
      throw new RangeError(`schema ${JSON.stringify(schema)} is not a plain identifier (letters, digits, _)`);
    }
    const logger = options.logger ?? createLogger('warn');
    // Loaded here, not at startup: only PostgreSQL deployments pay for the driver (~15 MiB of RSS).
    const { default: driver } = await import('pg');
    const pool = new driver.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      // Fail a request instead of queueing forever when the database does not answer.
      connectionTimeoutMillis: 5_000,
      // A hung query would stall the write queue behind it; after this it fails and is retried.
      query_timeout: 30_000,
      keepAlive: true,
      application_name: 'interview-room',
    });
    // An idle pooled connection that breaks (database restarted or stopped) is reported here;
    // without a listener pg would throw it as an unhandled 'error' event and end the process.
    pool.on('error', (error) => logger.warn({ err: loggable(error) }, 'idle PostgreSQL connection failed; the pool replaces it'));
    try {
      await migrate(pool, schema, logger);
    } catch (error) {
      await pool.end().catch((endError: unknown) => logger.warn({ err: endError }, 'closing the pool after a failed open'));
      throw error;
    }
    return new PostgresStorage(pool, schema, logger, options.pingTimeoutMs ?? 2_000);
  }

  async createSession(record: SessionRecord, initialUpdate: Uint8Array): Promise<void> {
    await this.transaction(async (client) => {
      await client.query(this.sql.insertSession, [record.id, record.createdAt, record.lastActivity, record.language, JSON.stringify(record.access)]);
      await client.query(this.sql.insertUpdate, [record.id, record.createdAt, buffer(initialUpdate)]);
    });
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const { rows } = await this.pool.query<SessionRow>(this.sql.getSession, [id]);
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      createdAt: Number(row.created_at),
      lastActivity: Number(row.last_activity),
      language: isLanguage(row.language) ? row.language : 'javascript',
      access: parseAccess(row.access),
    };
  }

  async updateAccess(id: string, access: SessionAccess): Promise<void> {
    const { rowCount } = await this.pool.query(this.sql.updateAccess, [JSON.stringify(access), id]);
    if (rowCount === 0) throw new Error(`session ${id} does not exist`);
  }

  async write(batch: WriteBatch): Promise<Map<string, number>> {
    const last = new Map<string, number>();
    const touches = mergeTouches(batch.touches);
    if (batch.updates.length === 0 && touches.length === 0) return last;
    await this.transaction(async (client) => {
      if (batch.updates.length > 0) {
        const sessionIds = batch.updates.map((u) => u.sessionId);
        await client.query(this.sql.lockShared, [sessionIds]);
        const { rows } = await client.query<{ session_id: string; seq: string }>(this.sql.insertUpdates, [
          sessionIds,
          batch.updates.map((u) => u.at),
          batch.updates.map((u) => buffer(u.update)),
          batch.updates.map((u) => u.uid ?? null),
        ]);
        for (const row of rows) last.set(row.session_id, Number(row.seq));
      }
      if (touches.length > 0) {
        const { rows } = await client.query<{ id: string }>(this.sql.touch, [
          touches.map((t) => t.sessionId),
          touches.map((t) => t.lastActivity),
          touches.map((t) => t.language ?? null),
        ]);
        if (rows.length !== touches.length) {
          const found = new Set(rows.map((row) => row.id));
          const missing = touches.filter((t) => !found.has(t.sessionId)).map((t) => t.sessionId);
          throw new Error(`session ${missing.join(', ')} does not exist`);
        }
      }
    });
    return last;
  }

  async loadDocument(id: string): Promise<StoredDocument> {
    const rows = await this.afterWriters(id, async (client) => {
      const result = await client.query<{ kind: number; seq: string | null; data: Buffer | null }>(this.sql.loadDocument, [id]);
      return result.rows;
    });
    let snapshot: Uint8Array | null = null;
    const updates: Uint8Array[] = [];
    let lastSeq = 0;
    for (const row of rows) {
      if (row.kind === 0) snapshot = bytes(row.data!);
      else if (row.kind === 1) updates.push(bytes(row.data!));
      else lastSeq = Number(row.seq ?? 0);
    }
    return { snapshot, updates, lastSeq, updatesSinceSnapshot: updates.length };
  }

  async loadUpdatesAfter(id: string, afterSeq: number): Promise<{ updates: Uint8Array[]; lastSeq: number }> {
    const rows = await this.afterWriters(id, async (client) => (await client.query<{ seq: string; data: Buffer }>(this.sql.updatesAfter, [id, afterSeq])).rows);
    return { updates: rows.map((row) => bytes(row.data)), lastSeq: rows.length > 0 ? Number(rows.at(-1)!.seq) : afterSeq };
  }

  async saveSnapshot(id: string, state: Uint8Array, uptoSeq: number): Promise<void> {
    await this.pool.query(this.sql.saveSnapshot, [id, uptoSeq, Date.now(), buffer(state)]);
  }

  async history(id: string): Promise<LoggedUpdate[]> {
    const { rows } = await this.pool.query<{ seq: string; at: string; data: Buffer; uid: string | null }>(this.sql.history, [id]);
    return rows.map((row) => ({ seq: Number(row.seq), at: Number(row.at), update: bytes(row.data), uid: row.uid }));
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`PostgreSQL did not answer within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
    });
    const query = this.pool.query('SELECT 1');
    // After a timeout the query may still fail later: that outcome is already reported as the timeout.
    query.catch(() => undefined);
    try {
      await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool, this.logger, body);
  }

  /** Runs `read` once every write of the session in progress has committed (SESSION_LOCK_CLASS). */
  private afterWriters<T>(id: string, read: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(async (client) => {
      await client.query(this.sql.lockExclusive, [id]);
      return read(client);
    });
  }
}

/**
 * Applies the migrations `schema` lacks, all in one transaction. The advisory lock makes a second
 * instance starting at the same time wait, then find them applied.
 */
async function migrate(pool: pg.Pool, schema: string, logger: Logger): Promise<void> {
  await transaction(pool, logger, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
    // CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET LOCAL search_path TO "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const applied = rows[0]?.version ?? 0;
    for (const migration of MIGRATIONS) {
      if (migration.version <= applied) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
  });
}

/** Runs `body` between BEGIN and COMMIT on one pooled connection; rolls back when it throws. */
async function transaction<T>(pool: pg.Pool, logger: Logger, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out connection has no error listener in pg-pool: a break between two queries
  // would otherwise be an unhandled 'error' event that ends the process.
  const onError = (error: Error): void => logger.warn({ err: loggable(error) }, 'PostgreSQL connection failed mid-transaction');
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // The connection is unusable: release(error) discards it instead of pooling it.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** An error as logged: pg-pool attaches the whole client (with its connection settings) to it. */
function loggable(error: Error): { type: string; message: string; code?: string } {
  const { code } = error as { code?: unknown };
  return { type: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** One touch per session (latest activity, latest language): an UPDATE ... FROM updates a row once. */
function mergeTouches(touches: SessionTouch[]): SessionTouch[] {
  const merged = new Map<string, SessionTouch>();
  for (const touch of touches) {
    const previous = merged.get(touch.sessionId);
    merged.set(touch.sessionId, {
      sessionId: touch.sessionId,
      lastActivity: Math.max(previous?.lastActivity ?? 0, touch.lastActivity),
      language: touch.language ?? previous?.language,
    });
  }
  return [...merged.values()];
}
