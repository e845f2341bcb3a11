import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import type { Logger } from '../../server/logger.js';
import { SqliteStorage } from '../../server/storage/sqlite-storage.js';
import { LEGACY_ACCESS, type SessionRecord } from '../../server/storage/storage.js';
import { tempDir } from './helpers/server.js';

/** Moves never come due while the test runs: only opening and closing move the recent updates. */
const NEVER = { moveRows: Number.MAX_SAFE_INTEGER, moveEveryMs: Number.MAX_SAFE_INTEGER };

function record(id: string): SessionRecord {
  return { id, createdAt: 1, lastActivity: 1, language: 'javascript', access: { ...LEGACY_ACCESS } };
}

/** A document typed one character per update. */
function typist() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  const text = doc.getText('code');
  return { doc, updates, type: (chars: string) => [...chars].forEach((char) => text.insert(text.length, char)) };
}

function rebuild(loaded: { snapshot: Uint8Array | null; updates: Uint8Array[] }): string {
  const doc = new Y.Doc();
  if (loaded.snapshot) Y.applyUpdate(doc, loaded.snapshot);
  for (const update of loaded.updates) Y.applyUpdate(doc, update);
  return doc.getText('code').toString();
}

/** How many rows each log table of the file holds. */
function rows(dir: string): { recent: number; indexed: number } {
  const db = new Database(path.join(dir, 'sessions.db'), { readonly: true });
  try {
    const count = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { recent: count('recent_updates'), indexed: count('updates') };
  } finally {
    db.close();
  }
}

describe('SQLite update log: appended unindexed, filed under sessions in bulk', () => {
  const dirs: Array<{ dir: string; remove: () => void }> = [];
  after(() => dirs.forEach((dir) => dir.remove()));
  const fresh = (): string => {
    const dir = tempDir();
    dirs.push(dir);
    return dir.dir;
  };

  it('reads a log split between both tables as one, in order, before and after the move', async () => {
    const dir = fresh();
    const a = typist();
    const b = typist();
    let storage = await SqliteStorage.open(dir, undefined, NEVER);
    a.type('x');
    b.type('p');
    await storage.createSession(record('a'), a.updates.shift()!);
    await storage.createSession(record('b'), b.updates.shift()!);
    a.type('yz');
    b.type('q');
    await storage.write({ updates: [...a.updates.splice(0).map((update) => ({ sessionId: 'a', update, at: 2 })), ...b.updates.splice(0).map((update) => ({ sessionId: 'b', update, at: 2 }))], touches: [] });
    await storage.close();
    assert.deepEqual(rows(dir), { recent: 0, indexed: 5 }, 'closing files every update under its session');

    storage = await SqliteStorage.open(dir, undefined, NEVER);
    try {
      a.type('12');
      const seqs = await storage.write({ updates: a.updates.splice(0).map((update) => ({ sessionId: 'a', update, at: 3 })), touches: [] });
      assert.deepEqual(rows(dir), { recent: 2, indexed: 5 }, 'new updates wait in the recent table');
      const loaded = await storage.loadDocument('a');
      assert.equal(rebuild(loaded), 'xyz12', 'the load joins both tables');
      assert.equal(loaded.lastSeq, seqs.get('a'));
      assert.equal(rebuild(await storage.loadDocument('b')), 'pq', 'another session only sees its own updates');
      const history = await storage.history('a');
      assert.deepEqual(history.map((entry) => entry.at), [1, 2, 2, 3, 3]);
      assert.ok(history.every((entry, i) => i === 0 || entry.seq > history[i - 1]!.seq), 'one sequence across both tables');

      // A snapshot taken at the last indexed update: the load takes only the recent ones after it.
      const indexedUpTo = history[2]!.seq;
      await storage.saveSnapshot('a', Y.encodeStateAsUpdate(a.doc), indexedUpTo);
      const afterSnapshot = await storage.loadDocument('a');
      assert.equal(afterSnapshot.updates.length, 2);
      assert.equal(rebuild(afterSnapshot), 'xyz12');
    } finally {
      await storage.close();
    }
    assert.deepEqual(rows(dir), { recent: 0, indexed: 7 });
  });

  it('moves what a crash left behind when it opens', async () => {
    const dir = fresh();
    const a = typist();
    const storage = await SqliteStorage.open(dir, undefined, NEVER);
    a.type('ab');
    await storage.createSession(record('a'), a.updates.shift()!);
    await storage.write({ updates: [{ sessionId: 'a', update: a.updates.shift()!, at: 2 }], touches: [] });
    // No close: the process dies with both updates still in the recent table.
    assert.deepEqual(rows(dir), { recent: 2, indexed: 0 });
    const writer = (storage as unknown as { writer: { worker: { terminate(): Promise<number> } | null } }).writer;
    await writer.worker?.terminate();
    const again = await SqliteStorage.open(dir, undefined, NEVER);
    try {
      assert.deepEqual(rows(dir), { recent: 0, indexed: 2 }, 'the new writer thread filed them');
      assert.equal(rebuild(await again.loadDocument('a')), 'ab');
    } finally {
      await again.close();
    }
  });

  it('moves once enough updates gathered, without waiting for a close', async () => {
    const dir = fresh();
    const a = typist();
    const storage = await SqliteStorage.open(dir, undefined, { moveRows: 3, moveEveryMs: Number.MAX_SAFE_INTEGER });
    try {
      a.type('abcd');
      await storage.createSession(record('a'), a.updates.shift()!);
      await storage.write({ updates: a.updates.splice(0, 2).map((update) => ({ sessionId: 'a', update, at: 2 })), touches: [] });
      await storage.ping();
      assert.deepEqual(rows(dir), { recent: 3, indexed: 0 }, 'two written since the last move: not due');
      await storage.write({ updates: a.updates.splice(0).map((update) => ({ sessionId: 'a', update, at: 3 })), touches: [] });
      // The move runs after the write's reply; the next request is answered after it.
      await storage.ping();
      assert.deepEqual(rows(dir), { recent: 0, indexed: 4 });
      assert.equal(rebuild(await storage.loadDocument('a')), 'abcd');
    } finally {
      await storage.close();
    }
  });

  it('reports a move that fails, and keeps the updates readable where they are', async () => {
    const dir = fresh();
    const errors: Array<{ fields: { reason?: string }; message: string }> = [];
    const logger = { error: (fields: { reason?: string }, message: string) => errors.push({ fields, message }) } as unknown as Logger;
    const a = typist();
    const storage = await SqliteStorage.open(dir, logger, { moveRows: 1, moveEveryMs: Number.MAX_SAFE_INTEGER });
    try {
      a.type('ab');
      await storage.createSession(record('a'), a.updates.shift()!);
      // A row already holding the next seq in the indexed table makes the move's INSERT fail.
      const db = new Database(path.join(dir, 'sessions.db'));
      db.prepare("INSERT INTO updates (seq, session_id, at, data) VALUES (2, 'a', 0, x'00')").run();
      db.close();
      await storage.write({ updates: [{ sessionId: 'a', update: a.updates.shift()!, at: 2 }], touches: [] });
      await storage.ping();
      assert.equal(errors.length, 1, 'the failed move is logged');
      assert.match(errors[0]!.fields.reason ?? '', /moving recent updates failed: UNIQUE constraint/);
      const history = await storage.history('a');
      assert.deepEqual(history.map((entry) => entry.at).sort(), [0, 1, 2], 'the written updates are all still there');
    } finally {
      await storage.close();
    }
  });

  it('migrates a file of the earlier schema: its log stays, new updates continue its sequence', async () => {
    const dir = fresh();
    const a = typist();
    a.type('old');
    // The schema as the previous release left it (user_version 2), with a session and its log.
    const db = new Database(path.join(dir, 'sessions.db'));
    db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, last_activity INTEGER NOT NULL, language TEXT NOT NULL, access TEXT);
      CREATE TABLE updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL REFERENCES sessions(id), at INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX updates_by_session ON updates(session_id, seq);
      CREATE TABLE snapshots (session_id TEXT PRIMARY KEY REFERENCES sessions(id), upto_seq INTEGER NOT NULL, at INTEGER NOT NULL, data BLOB NOT NULL);
      PRAGMA user_version = 2;`);
    db.prepare("INSERT INTO sessions VALUES ('a', 1, 1, 'javascript', NULL)").run();
    const insert = db.prepare("INSERT INTO updates (session_id, at, data) VALUES ('a', 1, ?)");
    for (const update of a.updates.splice(0)) insert.run(update);
    // A deleted row must not have its seq handed out again.
    db.prepare("INSERT INTO updates (session_id, at, data) VALUES ('a', 1, x'00')").run();
    db.prepare('DELETE FROM updates WHERE seq = 4').run();
    db.close();

    const storage = await SqliteStorage.open(dir, undefined, NEVER);
    try {
      assert.equal(rebuild(await storage.loadDocument('a')), 'old');
      a.type('!');
      const seqs = await storage.write({ updates: [{ sessionId: 'a', update: a.updates.shift()!, at: 2 }], touches: [] });
      assert.equal(seqs.get('a'), 5, 'the sequence continues after the highest seq ever used');
      assert.equal(rebuild(await storage.loadDocument('a')), 'old!');
    } finally {
      await storage.close();
    }
  });
});
