import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { YjsClient } from './helpers/clients.js';
import { crash, moveTo, scaleEnv, Started, StoredCode } from './helpers/instances.js';
import { freshDatabase } from './helpers/postgres.js';
import { prng, testSeed } from './helpers/random.js';
import type { ServerProcess } from './helpers/process.js';
import { PrivateRedis } from './helpers/redis.js';
import { createSession, sleep, startTestServer, waitFor, waitForAsync } from './helpers/server.js';

/** One random edit: mostly a short insert somewhere, else a short deletion (as typing and fixing are). */
function randomEdit(client: YjsClient, random: () => number, tag: string): void {
  const text = client.text;
  if (text.length > 0 && random() < 0.35) {
    const at = Math.floor(random() * text.length);
    text.delete(at, Math.min(text.length - at, 1 + Math.floor(random() * 4)));
    return;
  }
  text.insert(Math.floor(random() * (text.length + 1)), `${tag}${Math.floor(random() * 100)} `);
}

/**
 * Three instances on one Redis and one PostgreSQL, three clients typing and deleting at random;
 * two instances are killed at different moments and Redis restarts empty in between. Whatever
 * the clients converge on is what PostgreSQL ends up holding: no edit lost, none stored twice in
 * a way that changes the text (a lost deletion would leave extra characters).
 */
describe('durability across instances: random edits, two crashes and a Redis restart', () => {
  const started = new Started();
  after(() => started.release());

  it('ends with PostgreSQL holding exactly the text the clients converged on', async () => {
    const random = prng(testSeed('durable chaos'));
    const [database, redis] = await Promise.all([freshDatabase('chaos'), PrivateRedis.start()]);
    started.add(database, (db) => db.drop());
    started.add(redis, (server) => server.down());
    const env = scaleEnv(redis.url, { databaseUrl: database.url });
    const [i0, i1, i2] = (await started.spawn(3, env)) as [ServerProcess, ServerProcess, ServerProcess];
    const stored = started.add(await StoredCode.open({ databaseUrl: database.url }), (code) => code.close());
    const { id } = await createSession(i0.url, { code: 'start\n' });
    const clients = await Promise.all([i0, i1, i2].map((server) => started.connect(server.url, id)));
    const [c0, c1] = clients as [YjsClient, YjsClient, YjsClient];

    const events: Record<number, () => Promise<void>> = {
      30: async () => {
        await crash(i0);
        moveTo(c0, i2.url);
      },
      60: () => redis.down(),
      75: () => redis.up(),
      100: async () => {
        await crash(i1);
        moveTo(c1, i2.url);
      },
    };
    for (let step = 0; step < 130; step++) {
      await events[step]?.();
      // Each client edits its own copy, connected or not (a disconnected editor keeps typing), but
      // not between reconnecting and syncing: an edit sent then depends on the offline ones its
      // sync has not sent yet, and the server closes it with 4400, which the stock provider takes
      // as final (a server/sync matter, not this test's).
      clients.forEach((client, i) => {
        if (!client.provider.wsconnected || client.provider.synced) randomEdit(client, random, 'abc'[i]!);
      });
      await sleep(10);
    }

    const converged = (): boolean => clients.every((client) => client.provider.wsconnected && client.text.toString() === clients[0]!.text.toString());
    await waitFor(converged, 'the three clients to reconnect to the survivor and converge', 20_000).catch((error: Error) => {
      const state = clients.map((client) => ({ connected: client.provider.wsconnected, synced: client.provider.synced, text: client.text.toString() }));
      const logs = started.servers.flatMap((server) => server.logs.filter((line) => /"level":(40|50|60)/.test(line)).slice(-5));
      throw new Error(`${error.message}: ${JSON.stringify(state, null, 1)}\n${logs.join('\n')}`);
    });
    const expected = clients[0]!.text.toString();
    await waitForAsync(async () => (await stored.code(id)) === expected, 'PostgreSQL to hold the converged text', 20_000);
    const history = await stored.history(id);
    assert.equal(history.code, expected, 'the update log alone rebuilds it');
    assert.equal(history.uids, history.updates - 1, 'each logged update once');

    started.leave();
    const fresh = started.add(await startTestServer(env), (server) => server.close());
    assert.equal(await (await fetch(`${fresh.url}/api/sessions/${id}/code`)).text(), expected, 'a fresh instance loads it');
  });
});
