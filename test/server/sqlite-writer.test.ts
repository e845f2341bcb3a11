import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import * as Y from 'yjs';
import type { Logger } from '../../server/logger.js';
import { SqliteStorage } from '../../server/storage/sqlite-storage.js';
import { LEGACY_ACCESS } from '../../server/storage/storage.js';
import { tempDir } from './helpers/server.js';

/** The writer's worker thread, reached past its privacy: the test kills it as a crash would. */
function writerThread(storage: SqliteStorage): Worker | null {
  return (storage as unknown as { writer: { worker: Worker | null } }).writer.worker;
}

function insert(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('code').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe('SQLite writes on a worker thread', () => {
  const dir = tempDir();
  after(() => dir.remove());

  it('is up once opened, fails the writes a dying thread had, and takes the next one on a new thread', { timeout: 30_000 }, async () => {
    const logged: string[] = [];
    const logger = { error: (_fields: object, message: string) => logged.push(message) } as unknown as Logger;
    const storage = await SqliteStorage.open(dir.dir, logger);
    try {
      const first = writerThread(storage);
      assert.ok(first, 'open() starts the writer thread');
      await storage.createSession({ id: 's1', createdAt: 1, lastActivity: 1, language: 'javascript', access: { ...LEGACY_ACCESS } }, insert(''));
      await storage.write({ updates: [{ sessionId: 's1', update: insert('a'), at: 2 }], touches: [] });

      // A terminating thread no longer holds the event loop open; a server has its sockets for
      // that, this test a timer.
      const keepAlive = setInterval(() => undefined, 1000);
      const dying = first.terminate();
      const inFlight = storage.write({ updates: [{ sessionId: 's1', update: insert('lost?'), at: 3 }], touches: [] });
      await assert.rejects(inFlight, /exited/, 'a write handed to a dying thread is failed, not left hanging');
      await dying.finally(() => clearInterval(keepAlive));
      assert.equal(logged.length, 1, 'the dying thread is logged');
      assert.match(logged[0]!, /writer thread exited/);

      const seqs = await storage.write({ updates: [{ sessionId: 's1', update: insert('b'), at: 4 }], touches: [{ sessionId: 's1', lastActivity: 4 }] });
      assert.notEqual(writerThread(storage), first, 'a new thread took the next write');
      assert.ok(seqs.get('s1')! > 0);
      await storage.ping();

      // The main connection reads what the threads committed.
      const history = await storage.history('s1');
      assert.equal(history.length, 3, 'initial, a and b are logged; the failed write is not');
      assert.equal((await storage.getSession('s1'))?.lastActivity, 4);
    } finally {
      await storage.close();
    }
    assert.equal(writerThread(storage), null, 'close() ends the thread');
    assert.equal(logged.length, 1, 'an orderly close is not logged as a failure');
    await assert.rejects(storage.write({ updates: [], touches: [] }), /closed/);
  });
});
