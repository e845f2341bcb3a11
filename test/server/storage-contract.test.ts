import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import pg from 'pg';
import * as Y from 'yjs';
import { createLogger } from '../../server/logger.js';
import { MemoryStorage } from '../../server/storage/memory-storage.js';
import { PostgresStorage } from '../../server/storage/postgres-storage.js';
import { SqliteStorage } from '../../server/storage/sqlite-storage.js';
import { LEGACY_ACCESS, type SessionRecord, type Storage } from '../../server/storage/storage.js';
import { WriteQueue } from '../../server/storage/write-queue.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './helpers/postgres.js';
import { tempDir, waitFor } from './helpers/server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const dirs: Array<{ remove: () => void }> = [];
after(() => dirs.forEach((dir) => dir.remove()));

/** Storages and schemas of the running test, released after it whatever its outcome. */
const opened: Storage[] = [];
const schemas: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
  await Promise.all(schemas.splice(0).map((schema) => dropSchema(TEST_DATABASE_URL, schema)));
});

const quiet = createLogger('silent');
const openPostgres = async (schema: string): Promise<PostgresStorage> => {
  const storage = await PostgresStorage.open(TEST_DATABASE_URL, { schema, logger: quiet });
  opened.push(storage);
  return storage;
};

type Engine = { storage: Storage; reopen?: () => Promise<Storage> };
const engines: Record<string, () => Promise<Engine>> = {
  memory: async () => ({ storage: new MemoryStorage() }),
  sqlite: async () => {
    const dir = tempDir();
    dirs.push(dir);
    return { storage: new SqliteStorage(dir.dir), reopen: async () => new SqliteStorage(dir.dir) };
  },
  // The writer files recent updates under their sessions after every write: reads then meet the
  // log split between both tables, and moves racing them.
  'sqlite, moving recent updates after every write': async () => {
    const dir = tempDir();
    dirs.push(dir);
    const eager = { moveRows: 1, moveEveryMs: 0 };
    return { storage: new SqliteStorage(dir.dir, undefined, eager), reopen: async () => new SqliteStorage(dir.dir, undefined, eager) };
  },
  // Each test gets a fresh schema in the shared database, dropped afterwards.
  postgres: async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    return { storage: await openPostgres(schema), reopen: () => openPostgres(schema) };
  },
};

let counter = 0;
function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const id = `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
  const access = { ...LEGACY_ACCESS, ownerSecretHash: 'ab'.repeat(32) };
  return { id, createdAt: 1000, lastActivity: 1000, language: 'javascript', access, ...overrides };
}

/** A Y.Doc edited in steps, handing out each step's update. */
function editor() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { doc, updates, text: doc.getText('code') };
}

function rebuild(loaded: { snapshot: Uint8Array | null; updates: Uint8Array[] }): string {
  const doc = new Y.Doc();
  if (loaded.snapshot) Y.applyUpdate(doc, loaded.snapshot);
  for (const update of loaded.updates) Y.applyUpdate(doc, update);
  return doc.getText('code').toString();
}

for (const [name, make] of Object.entries(engines)) {
  describe(`storage contract: ${name}`, () => {
    it('creates sessions and reads them back; unknown ids are null; ids are unique', async () => {
      const { storage } = await make();
      const r = record({ language: 'python' });
      await storage.createSession(r, new Uint8Array([0, 0]));
      assert.deepEqual(await storage.getSession(r.id), r);
      assert.equal(await storage.getSession('ffffffff-ffff-4fff-bfff-ffffffffffff'), null);
      await assert.rejects(storage.createSession(r, new Uint8Array([0, 0])));
      await storage.close();
    });

    it('logs updates in order, applies touches, and rebuilds the document', async () => {
      const { storage } = await make();
      const e = editor();
      e.text.insert(0, 'hello');
      const r = record();
      await storage.createSession(r, e.updates[0]!);
      e.text.insert(5, ' world');
      e.text.delete(0, 1);
      const last = await storage.write({
        updates: [
          { sessionId: r.id, update: e.updates[1]!, at: 2000 },
          { sessionId: r.id, update: e.updates[2]!, at: 2001 },
        ],
        touches: [{ sessionId: r.id, lastActivity: 2001, language: 'python' }],
      });
      const loaded = await storage.loadDocument(r.id);
      assert.equal(loaded.lastSeq, last.get(r.id));
      assert.equal(loaded.updatesSinceSnapshot, 3);
      assert.equal(rebuild(loaded), 'ello world');
      const session = await storage.getSession(r.id);
      assert.equal(session?.lastActivity, 2001);
      assert.equal(session?.language, 'python');
      // An older touch never moves lastActivity back.
      await storage.write({ updates: [], touches: [{ sessionId: r.id, lastActivity: 1500 }] });
      assert.equal((await storage.getSession(r.id))?.lastActivity, 2001);
      const history = await storage.history(r.id);
      assert.equal(history.length, 3);
      assert.deepEqual(history.map((h) => h.at), [1000, 2000, 2001]);
      assert.ok(history[0]!.seq < history[1]!.seq && history[1]!.seq < history[2]!.seq);
      await storage.close();
    });

    it('keeps access settings, and replaces them at once', async () => {
      const { storage } = await make();
      const r = record();
      await storage.createSession(r, new Uint8Array([0, 0]));
      assert.deepEqual((await storage.getSession(r.id))?.access, r.access);
      const access = { ...r.access, passwordHash: 'scrypt$1$2$3$salt$hash', readOnly: true, endedAt: 5000, candidateEpoch: 2, ownerEpoch: 1 };
      await storage.updateAccess(r.id, access);
      assert.deepEqual((await storage.getSession(r.id))?.access, access);
      await assert.rejects(storage.updateAccess('ffffffff-ffff-4fff-bfff-ffffffffffff', access));
      await storage.close();
    });

    it('writes a batch all or nothing', async () => {
      const { storage } = await make();
      const e = editor();
      e.text.insert(0, 'a');
      const r = record();
      await storage.createSession(r, e.updates[0]!);
      e.text.insert(1, 'b');
      await assert.rejects(
        storage.write({
          updates: [{ sessionId: r.id, update: e.updates[1]!, at: 5 }],
          touches: [{ sessionId: 'ffffffff-ffff-4fff-bfff-ffffffffffff', lastActivity: 5 }],
        }),
      );
      assert.equal((await storage.history(r.id)).length, 1);
      await storage.close();
    });

    it('loads from the latest snapshot and keeps the whole history', async () => {
      const { storage } = await make();
      const e = editor();
      e.text.insert(0, 'v1');
      const r = record();
      await storage.createSession(r, e.updates[0]!);
      for (let i = 0; i < 10; i++) e.text.insert(e.text.length, String(i));
      const last = await storage.write({ updates: e.updates.slice(1).map((update, i) => ({ sessionId: r.id, update, at: 10 + i })), touches: [] });
      await storage.saveSnapshot(r.id, Y.encodeStateAsUpdate(e.doc), last.get(r.id)!);
      e.text.insert(0, '>');
      await storage.write({ updates: [{ sessionId: r.id, update: e.updates.at(-1)!, at: 99 }], touches: [] });
      // An older snapshot never replaces a newer one.
      await storage.saveSnapshot(r.id, e.updates[0]!, 1);
      const loaded = await storage.loadDocument(r.id);
      assert.ok(loaded.snapshot);
      assert.equal(loaded.updates.length, 1);
      assert.equal(loaded.updatesSinceSnapshot, 1);
      assert.equal(rebuild(loaded), '>v10123456789');
      assert.equal((await storage.history(r.id)).length, 12);
      await storage.close();
    });

    it('stores bytes exactly (zeros, 0xff, large values) and hands back Uint8Arrays', async () => {
      const { storage } = await make();
      const r = record();
      const initial = new Uint8Array([0, 255, 0, 1, 92, 120, 39]);
      await storage.createSession(r, initial);
      const large = new Uint8Array(300_000).map((_, i) => (i * 7919) % 256);
      // A view into a bigger buffer: only its own bytes may be stored.
      const view = new Uint8Array([9, 9, 1, 2, 3, 9]).subarray(2, 5);
      const last = await storage.write({ updates: [{ sessionId: r.id, update: large, at: 1 }, { sessionId: r.id, update: view, at: 2 }], touches: [] });
      await storage.saveSnapshot(r.id, new Uint8Array([0, 0, 255]), last.get(r.id)! - 1);
      const history = await storage.history(r.id);
      assert.deepEqual(history.map((h) => Array.from(h.update.subarray(0, 8))), [Array.from(initial), Array.from(large.subarray(0, 8)), [1, 2, 3]]);
      assert.ok(history.every((h) => h.update instanceof Uint8Array));
      assert.ok(Buffer.from(history[1]!.update).equals(Buffer.from(large)));
      const loaded = await storage.loadDocument(r.id);
      assert.deepEqual(Array.from(loaded.snapshot!), [0, 0, 255]);
      assert.deepEqual(loaded.updates.map((u) => Array.from(u)), [[1, 2, 3]]);
      assert.equal(loaded.lastSeq, last.get(r.id));
      await storage.close();
    });

    it('stores an update once however often its uid is written, within a batch and across batches', async () => {
      const { storage } = await make();
      const e = editor();
      e.text.insert(0, 'a');
      const [r, other] = [record(), record()];
      await storage.createSession(r, e.updates[0]!);
      await storage.createSession(other, new Uint8Array([0, 0]));
      e.text.insert(1, 'b');
      e.text.insert(2, 'c');
      const batch = {
        updates: [
          { sessionId: r.id, update: e.updates[1]!, at: 2, uid: 'p.1' },
          { sessionId: r.id, update: e.updates[2]!, at: 3, uid: 'p.2' },
          { sessionId: r.id, update: e.updates[2]!, at: 3, uid: 'p.2' },
          // The same uid in another session is another update.
          { sessionId: other.id, update: e.updates[1]!, at: 2, uid: 'p.1' },
        ],
        touches: [],
      };
      await storage.write(batch);
      // A retry of the whole batch (its COMMIT's reply was lost), then an overlapping one.
      await storage.write(batch);
      e.text.insert(3, 'd');
      const last = await storage.write({ updates: [batch.updates[1]!, { sessionId: r.id, update: e.updates[3]!, at: 4, uid: 'q.1' }], touches: [] });
      const history = await storage.history(r.id);
      assert.deepEqual(history.map((h) => h.uid), [null, 'p.1', 'p.2', 'q.1']);
      assert.deepEqual(history.map((h) => h.at), [1000, 2, 3, 4]);
      assert.equal(last.get(r.id), history.at(-1)!.seq);
      assert.equal(rebuild(await storage.loadDocument(r.id)), 'abcd');
      assert.equal((await storage.history(other.id)).length, 2);
      await storage.close();
    });

    it('reads the updates logged after a seq, and the seq they reach', async () => {
      const { storage } = await make();
      const e = editor();
      e.text.insert(0, 'x');
      const r = record();
      await storage.createSession(r, e.updates[0]!);
      const first = (await storage.loadDocument(r.id)).lastSeq;
      assert.deepEqual(await storage.loadUpdatesAfter(r.id, first), { updates: [], lastSeq: first });
      e.text.insert(1, 'y');
      e.text.insert(2, 'z');
      const last = await storage.write({ updates: e.updates.slice(1).map((update, i) => ({ sessionId: r.id, update, at: i, uid: `u.${i}` })), touches: [] });
      const after = await storage.loadUpdatesAfter(r.id, first);
      assert.equal(after.lastSeq, last.get(r.id));
      assert.equal(after.updates.length, 2);
      const doc = new Y.Doc();
      for (const update of [e.updates[0]!, ...after.updates]) Y.applyUpdate(doc, update);
      assert.equal(doc.getText('code').toString(), 'xyz');
      await storage.close();
    });

    it('reports the last seq of each session in a batch that mixes sessions', async () => {
      const { storage } = await make();
      const [a, b] = [record(), record()];
      await storage.createSession(a, new Uint8Array([1]));
      await storage.createSession(b, new Uint8Array([2]));
      const updates = [a, b, a, a, b].map((r, i) => ({ sessionId: r.id, update: new Uint8Array([10 + i]), at: 10 + i }));
      const last = await storage.write({ updates, touches: [{ sessionId: a.id, lastActivity: 14 }, { sessionId: b.id, lastActivity: 14 }] });
      for (const r of [a, b]) {
        const history = await storage.history(r.id);
        assert.deepEqual(history.map((h) => h.at), [1000, ...updates.filter((u) => u.sessionId === r.id).map((u) => u.at)]);
        assert.equal(last.get(r.id), history.at(-1)!.seq);
        assert.equal((await storage.loadDocument(r.id)).lastSeq, history.at(-1)!.seq);
        assert.equal((await storage.getSession(r.id))?.lastActivity, 1000);
      }
      await storage.close();
    });

    it('refuses updates for an unknown session, and an empty batch is a no-op', async () => {
      const { storage } = await make();
      await assert.rejects(
        storage.write({ updates: [{ sessionId: 'ffffffff-ffff-4fff-bfff-ffffffffffff', update: new Uint8Array([0, 0]), at: 1 }], touches: [] }),
      );
      assert.equal((await storage.write({ updates: [], touches: [] })).size, 0);
      await storage.close();
    });

    it('answers ping while open and rejects once closed', async () => {
      const { storage } = await make();
      await storage.ping();
      await storage.close();
      await assert.rejects(storage.ping());
    });

    if (name !== 'memory') {
      it('keeps everything across a reopen', async () => {
        const engine = await make();
        const e = editor();
        e.text.insert(0, 'durable');
        const r = record();
        await engine.storage.createSession(r, e.updates[0]!);
        await engine.storage.close();
        const reopened = await engine.reopen!();
        assert.deepEqual(await reopened.getSession(r.id), r);
        assert.equal(rebuild(await reopened.loadDocument(r.id)), 'durable');
        await reopened.close();
      });
    }
  });
}

describe('postgres storage: migrations', () => {
  it('two instances opening a fresh schema at once apply each migration exactly once', async () => {
    const schema = uniqueSchema('migrate');
    schemas.push(schema);
    const [a, b] = await Promise.all([openPostgres(schema), openPostgres(schema), openPostgres(schema)]);
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      assert.deepEqual(rows.map((row) => row.version), [1, 2, 3], 'each migration once, in order');
    } finally {
      await client.end();
    }
    const r = record();
    await a!.createSession(r, new Uint8Array([0, 0]));
    assert.deepEqual(await b!.getSession(r.id), r);
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await assert.rejects(PostgresStorage.open(TEST_DATABASE_URL, { schema: 'x"; DROP TABLE y; --' }), RangeError);
  });

  it('migrates a log of the earlier schema in place: its rows load, new writes are idempotent', async () => {
    const schema = uniqueSchema('migrate');
    schemas.push(schema);
    const e = editor();
    e.text.insert(0, 'old');
    const r = record();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      // The schema as the previous release left it (migrations 1 and 2), with a session and its log.
      await client.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}";
        CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO schema_migrations (version, name) VALUES (1, 'v1'), (2, 'v2');
        CREATE TABLE sessions (id text PRIMARY KEY, created_at bigint NOT NULL, last_activity bigint NOT NULL, language text NOT NULL, access text);
        CREATE TABLE updates (seq bigserial PRIMARY KEY, session_id text NOT NULL REFERENCES sessions(id), at bigint NOT NULL, data bytea NOT NULL);
        CREATE INDEX updates_by_session ON updates (session_id, seq);
        CREATE TABLE snapshots (session_id text PRIMARY KEY REFERENCES sessions(id), upto_seq bigint NOT NULL, at bigint NOT NULL, data bytea NOT NULL);`);
      await client.query(`INSERT INTO "${schema}".sessions VALUES ($1, 1, 1, 'javascript', NULL)`, [r.id]);
      for (const update of e.updates) await client.query(`INSERT INTO "${schema}".updates (session_id, at, data) VALUES ($1, 1, $2)`, [r.id, Buffer.from(update)]);
    } finally {
      await client.end();
    }
    const storage = await openPostgres(schema);
    assert.equal(rebuild(await storage.loadDocument(r.id)), 'old');
    e.text.insert(3, '!');
    const batch = { updates: [{ sessionId: r.id, update: e.updates.at(-1)!, at: 2, uid: 'm.1' }], touches: [] };
    await storage.write(batch);
    await storage.write(batch);
    assert.deepEqual((await storage.history(r.id)).map((h) => h.uid), [null, 'm.1']);
    assert.equal(rebuild(await storage.loadDocument(r.id)), 'old!');
  });

  it('stores a batch once when the reply to its COMMIT is lost and the write queue retries it', async () => {
    const schema = uniqueSchema('commit');
    schemas.push(schema);
    const target = new URL(TEST_DATABASE_URL);
    const proxy = await TcpProxy.start(Number(target.port || 5432));
    try {
      target.host = `127.0.0.1:${proxy.port}`;
      const storage = await PostgresStorage.open(target.href, { schema, logger: quiet });
      opened.push(storage);
      const e = editor();
      e.text.insert(0, '0');
      const r = record();
      await storage.createSession(r, e.updates[0]!);
      const queue = new WriteQueue(storage, { intervalMs: 5, logger: quiet });
      // The COMMIT reaches PostgreSQL and commits; its reply never comes back: the write fails.
      const lost = proxy.dropReplyAfter((chunk) => chunk[0] === 0x51 /* Query */ && chunk.includes('COMMIT'));
      for (let i = 1; i <= 5; i++) {
        e.text.insert(i, String(i));
        queue.push({ sessionId: r.id, update: e.updates[i]!, at: i, uid: `c.${i}` });
      }
      await lost;
      await waitFor(() => !queue.hasPending(r.id), 'the retried batch to be written', 10_000);
      await queue.close();
      const history = await storage.history(r.id);
      assert.deepEqual(history.map((h) => h.uid), [null, 'c.1', 'c.2', 'c.3', 'c.4', 'c.5'], 'each update once');
      assert.equal(rebuild(await storage.loadDocument(r.id)), '012345');
    } finally {
      await proxy.close();
    }
  });
});
