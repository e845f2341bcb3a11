import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { crash, moveTo, scaleEnv, Started, StoredCode, type SharedStorage } from './helpers/instances.js';
import { freshDatabase } from './helpers/postgres.js';
import { createSession, sleep, startTestServer, tempDir, waitFor, waitForAsync } from './helpers/server.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const code = async (baseUrl: string, id: string): Promise<string> => (await fetch(`${baseUrl}/api/sessions/${id}/code`)).text();

const started = new Started();
after(() => started.release());

/** A PostgreSQL database of the test's own, or a SQLite file several instances share. */
const storages: Record<string, () => Promise<SharedStorage>> = {
  PostgreSQL: async () => ({ databaseUrl: started.add(await freshDatabase('durable'), (database) => database.drop()).url }),
  'one SQLite file': async () => ({ dataDir: started.add(tempDir(), (dir) => dir.remove()).dir }),
};

/**
 * Issue #16 as an operator met it: two instances on one Redis, the instance that relayed a
 * client's last keystrokes killed before its flush. Everything that reached Redis must end up in
 * storage, whichever instances die.
 */
for (const [name, make] of Object.entries(storages)) {
  describe(`durability across instances (${name}): updates that reached Redis survive their instance`, () => {
    it("stores a dead instance's relayed updates, and everything typed after them (the issue's four steps)", async () => {
      const storage = await make();
      const env = scaleEnv(REDIS_URL, storage);
      const [one, two] = await started.spawn(2, env);
      const stored = started.add(await StoredCode.open(storage), (code) => code.close());
      const { id } = await createSession(one!.url, { code: '' });
      const a = await started.connect(one!.url, id);
      const b = await started.connect(two!.url, id);

      // 1. A types 30 short lines on instance one; B sees every one through Redis.
      const lines: string[] = [];
      for (let i = 0; i < 30; i++) {
        lines.push(`line ${i};`);
        a.text.insert(a.text.length, `line ${i};\n`);
        await sleep(5);
      }
      await waitFor(() => b.text.toString() === a.text.toString(), 'B to see all 30 lines through Redis');
      // 2. Instance one dies right after the last keystroke, before its flush; A types 5 lines
      //    while disconnected, then its provider reconnects to instance two.
      await crash(one!);
      await waitFor(() => !a.provider.wsconnected, "A's provider to notice");
      for (let i = 0; i < 5; i++) {
        lines.push(`offline ${i};`);
        a.text.insert(a.text.length, `offline ${i};\n`);
      }
      moveTo(a, two!.url);
      await waitFor(() => a.provider.wsconnected && a.text.toString() === b.text.toString(), 'A to reconnect to instance two and converge with B', 15_000);
      const expected = a.text.toString();
      assert.deepEqual(lines.filter((line) => !expected.includes(line)), [], 'the clients hold every line');

      // 3. A third instance, started now, reads the whole code over REST. (In this process: it
      //    is never killed, and starts in a fraction of a process's time.)
      const three = started.add(await startTestServer(env), (server) => server.close());
      assert.equal(await code(three.url, id), expected, 'a REST read on an instance that does not hold the session');

      // 4. Everyone leaves, instance two dies too: a fresh instance loads the same code, and
      //    storage alone holds it (a live instance persisted what nobody holds any more).
      started.leave();
      await crash(two!);
      const four = started.add(await startTestServer(env), (server) => server.close());
      assert.equal(await code(four.url, id), expected, 'a fresh instance');
      await waitForAsync(async () => (await stored.code(id)) === expected, 'storage alone to hold the code the clients converged on', 20_000);
      const history = await stored.history(id);
      assert.equal(history.code, expected, 'the update log alone rebuilds it');
      assert.equal(history.uids, history.updates - 1, 'each logged update once (every one but the first has a uid)');
    });
  });
}
