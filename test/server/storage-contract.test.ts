import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as Y from 'yjs';
import { MemoryStorage } from '../../server/storage/memory-storage.js';
import { SqliteStorage } from '../../server/storage/sqlite-storage.js';
import type { SessionRecord, Storage } from '../../server/storage/storage.js';
import { tempDir } from './helpers/server.js';

const dirs: Array<{ remove: () => void }> = [];
after(() => dirs.forEach((dir) => dir.remove()));

const engines: Record<string, () => { storage: Storage; reopen?: () => Storage }> = {
  memory: () => ({ storage: new MemoryStorage() }),
  sqlite: () => {
    const dir = tempDir();
    dirs.push(dir);
    return { storage: new SqliteStorage(dir.dir), reopen: () => new SqliteStorage(dir.dir) };
  },
};

let counter = 0;
function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const id = `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
  return { id, createdAt: 1000, lastActivity: 1000, language: 'javascript', ...overrides };
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
      const { storage } = make();
      const r = record({ language: 'python' });
      await storage.createSession(r, new Uint8Array([0, 0]));
      assert.deepEqual(await storage.getSession(r.id), r);
      assert.equal(await storage.getSession('ffffffff-ffff-4fff-bfff-ffffffffffff'), null);
      await assert.rejects(storage.createSession(r, new Uint8Array([0, 0])));
      await storage.close();
    });

    it('logs updates in order, applies touches, and rebuilds the document', async () => {
      const { storage } = make();
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

    it('writes a batch all or nothing', async () => {
      const { storage } = make();
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
      const { storage } = make();
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

    if (name === 'sqlite') {
      it('keeps everything across a reopen', async () => {
        const engine = make();
        const e = editor();
        e.text.insert(0, 'durable');
        const r = record();
        await engine.storage.createSession(r, e.updates[0]!);
        await engine.storage.close();
        const reopened = engine.reopen!();
        assert.deepEqual(await reopened.getSession(r.id), r);
        assert.equal(rebuild(await reopened.loadDocument(r.id)), 'durable');
        await reopened.close();
      });
    }
  });
}
