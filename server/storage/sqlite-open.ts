import Database from 'better-sqlite3';

/**
 * Appends one update to the log: the initial one on the main connection, the rest on the writer's.
 * Updates land in `recent_updates`, which has no index: an index on the session spreads each
 * batch over one B-tree page per typing session, and writing those pages (and checkpointing them)
 * was most of the writer's work. The writer thread files them under their sessions later, in bulk.
 */
export const INSERT_UPDATE_SQL = 'INSERT INTO recent_updates (session_id, at, data, uid) VALUES (?, ?, ?, ?)';

/** Runs `action`, retrying for up to 5 s while another connection holds the database lock. */
export function whileBusy<T>(action: () => T): T {
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

/**
 * Opens the sessions database file as every connection to it must be: WAL mode (a committed batch
 * survives a killed process, and readers never wait for the writer), commits without an fsync
 * each (`synchronous = NORMAL`: WAL keeps them atomic), foreign keys enforced.
 */
export function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  // Several connections may open one file at once (the writer thread, tests, a single-host
  // deployment): switching to WAL takes a lock SQLite does not wait for, so retry briefly.
  whileBusy(() => db.pragma('journal_mode = WAL'));
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}
