// The SQLite writer thread (see sqlite-writer.ts): runs each batch of the write queue and each
// snapshot in its own connection, so neither a transaction nor the WAL checkpoint that follows
// one every few thousand pages (an fsync: tens of milliseconds on a busy disk) ever blocks the
// event loop that relays keystrokes.
import { parentPort, workerData } from 'node:worker_threads';
import { INSERT_UPDATE_SQL, openSqlite } from './sqlite-open.js';
import type { WriterReply, WriterRequest } from './sqlite-writer.js';

const port = parentPort;
if (!port) throw new Error('sqlite-writer-worker runs as a worker thread');
const db = openSqlite((workerData as { file: string }).file);
const statements = {
  insertUpdate: db.prepare(INSERT_UPDATE_SQL),
  touch: db.prepare('UPDATE sessions SET last_activity = MAX(last_activity, ?), language = COALESCE(?, language) WHERE id = ?'),
  saveSnapshot: db.prepare(
    `INSERT INTO snapshots (session_id, upto_seq, at, data) VALUES (?, ?, ?, ?)
     ON CONFLICT(session_id) DO UPDATE SET upto_seq = excluded.upto_seq, at = excluded.at, data = excluded.data
     WHERE excluded.upto_seq > snapshots.upto_seq`,
  ),
};

/** One batch in one transaction: all of it or, on any error, none of it. */
const writeBatch = db.transaction((request: Extract<WriterRequest, { op: 'write' }>): Array<[string, number]> => {
  const last = new Map<string, number>();
  for (const [sessionId, at, update] of request.updates) {
    last.set(sessionId, Number(statements.insertUpdate.run(sessionId, at, update).lastInsertRowid));
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
    } else if (request.op === 'snapshot') {
      statements.saveSnapshot.run(request.sessionId, request.uptoSeq, request.at, request.state);
      reply = { id: request.id, ok: true, lastSeq: [] };
    } else if (request.op === 'ping') {
      reply = { id: request.id, ok: true, lastSeq: [] };
    } else {
      db.close();
      reply = { id: request.id, ok: true, lastSeq: [] };
      port.postMessage(reply);
      port.close();
      return;
    }
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
