// The SQLite writer thread (see sqlite-writer.ts): runs each batch of the write queue and each
// snapshot in its own connection, so neither a transaction nor the WAL checkpoint that follows
// one every few thousand pages (an fsync: tens of milliseconds on a busy disk) ever blocks the
// event loop that relays keystrokes.
import { parentPort, workerData } from 'node:worker_threads';
import { INSERT_UPDATE_SQL, openSqlite } from './sqlite-open.js';
import type { WriterOptions, WriterReply, WriterRequest } from './sqlite-writer.js';

const port = parentPort;
if (!port) throw new Error('sqlite-writer-worker runs as a worker thread');
const options = workerData as WriterOptions;
const db = openSqlite(options.file);
const statements = {
  insertUpdate: db.prepare(INSERT_UPDATE_SQL),
  // Grouped by session, so each session's page of the index is written once per move instead of
  // once per batch; each update keeps its seq. A uid its session already holds (an update stored
  // twice: a retried write, two instances persisting one Redis stream entry) is skipped here.
  // Only that conflict is skipped: any other (a seq already taken) fails the move, which keeps the
  // updates where they are. (`WHERE true` tells SQLite's parser the ON CONFLICT is the upsert's.)
  moveRecent: db.prepare(
    `INSERT INTO updates (seq, session_id, at, data, uid) SELECT seq, session_id, at, data, uid FROM recent_updates WHERE true
     ORDER BY session_id, seq ON CONFLICT (session_id, uid) WHERE uid IS NOT NULL DO NOTHING`,
  ),
  deleteRecent: db.prepare('DELETE FROM recent_updates'),
  touch: db.prepare('UPDATE sessions SET last_activity = MAX(last_activity, ?), language = COALESCE(?, language) WHERE id = ?'),
  saveSnapshot: db.prepare(
    `INSERT INTO snapshots (session_id, upto_seq, at, data) VALUES (?, ?, ?, ?)
     ON CONFLICT(session_id) DO UPDATE SET upto_seq = excluded.upto_seq, at = excluded.at, data = excluded.data
     WHERE excluded.upto_seq > snapshots.upto_seq`,
  ),
};

/**
 * Moves the recent updates (those of other connections to the file too) under their sessions. Run
 * IMMEDIATE: holding the write lock from the start, nobody can append between the copy and the
 * delete, and another connection's append cannot leave the transaction's snapshot stale
 * (SQLITE_BUSY_SNAPSHOT) where it should wait for the lock.
 */
const moveRecent = db.transaction((): void => {
  statements.moveRecent.run();
  statements.deleteRecent.run();
});

/** What a failure says, for a reply to the main thread (an Error does not cross it whole). */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Updates appended since the last move, and when that was. */
let recentRows = 0;
let lastMove = Date.now();

/**
 * Moves the recent updates once enough have gathered: `moveRows` bounds how long a move holds up
 * the next batch (a few tens of ms), `moveEveryMs` how long updates wait outside the index.
 */
function moveDue(): boolean {
  return recentRows > 0 && (recentRows >= options.moveRows || Date.now() - lastMove >= options.moveEveryMs);
}

/** A failed move loses nothing (the updates stay readable where they are): it is reported, and retried later. */
function tryMoving(): void {
  lastMove = Date.now();
  try {
    moveRecent.immediate();
    recentRows = 0;
  } catch (error) {
    port!.postMessage({ id: 0, ok: false, message: `moving recent updates failed: ${messageOf(error)}` } satisfies WriterReply);
  }
}

// What a crash left in the recent table goes under its sessions before the first write.
tryMoving();

/** One batch in one transaction: all of it or, on any error, none of it. */
const writeBatch = db.transaction((request: Extract<WriterRequest, { op: 'write' }>): Array<[string, number]> => {
  const last = new Map<string, number>();
  for (const [sessionId, at, update, uid] of request.updates) {
    last.set(sessionId, Number(statements.insertUpdate.run(sessionId, at, update, uid).lastInsertRowid));
  }
  for (const [sessionId, lastActivity, language] of request.touches) {
    if (statements.touch.run(lastActivity, language, sessionId).changes === 0) throw new Error(`session ${sessionId} does not exist`);
  }
  return [...last];
});

port.on('message', (request: WriterRequest) => {
  let reply: WriterReply;
  try {
    if (request.op === 'write') {
      reply = { id: request.id, ok: true, lastSeq: writeBatch(request) };
      recentRows += request.updates.length;
    } else if (request.op === 'snapshot') {
      statements.saveSnapshot.run(request.sessionId, request.uptoSeq, request.at, request.state);
      reply = { id: request.id, ok: true, lastSeq: [] };
    } else if (request.op === 'ping') {
      reply = { id: request.id, ok: true, lastSeq: [] };
    } else {
      tryMoving();
      db.close();
      reply = { id: request.id, ok: true, lastSeq: [] };
      port.postMessage(reply);
      port.close();
      return;
    }
  } catch (error) {
    reply = { id: request.id, ok: false, message: messageOf(error) };
  }
  port.postMessage(reply);
  // After the reply: the write queue has its answer while the move runs.
  if (request.op === 'write' && reply.ok && moveDue()) tryMoving();
});
