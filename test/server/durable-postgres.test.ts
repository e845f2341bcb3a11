import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { YjsClient } from './helpers/clients.js';
import { crash, moveTo, scaleEnv, Started, StoredCode } from './helpers/instances.js';
import { postgresBinDir, PrivatePostgres } from './helpers/postgres.js';
import { prng, testSeed } from './helpers/random.js';
import { createSession, sleep, waitFor, waitForAsync } from './helpers/server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The instance persisting a session's stream dies while PostgreSQL is slow, then down: its
 * entries wait in the stream until another instance takes the lease over and PostgreSQL takes
 * them. The clients' text is what PostgreSQL ends up with.
 */
describe('durability across instances: a slow, then failing PostgreSQL', { skip: postgresBinDir() ? false : 'no PostgreSQL server binaries' }, () => {
  const started = new Started();
  after(() => started.release());

  it('loses nothing when the persisting instance dies during the outage', async () => {
    const random = prng(testSeed('durable postgres'));
    const cluster = started.add(await PrivatePostgres.start(), (server) => server.destroy());
    const proxy = started.add(await TcpProxy.start(cluster.port), (server) => server.close());
    const env = scaleEnv(REDIS_URL, { databaseUrl: `postgres://postgres@127.0.0.1:${proxy.port}/postgres` });
    const servers = await started.spawn(2, env);
    const { id } = await createSession(servers[0]!.url, { code: '' });
    const clients = await Promise.all(servers.map((server) => started.connect(server.url, id)));
    const [a, b] = clients as [YjsClient, YjsClient];
    let typed = 0;
    const type = async (steps: number): Promise<void> => {
      for (let step = 0; step < steps; step++) {
        for (const client of clients) {
          if (client.provider.wsconnected && !client.provider.synced) continue;
          client.text.insert(Math.floor(random() * (client.text.length + 1)), `w${typed++} `);
          if (random() < 0.3 && client.text.length > 4) client.text.delete(Math.floor(random() * (client.text.length - 2)), 2);
        }
        await sleep(15);
      }
    };

    await type(20);
    proxy.delayMs = 300; // every byte to and from PostgreSQL 300 ms late: a write takes seconds
    await type(20);
    await cluster.down('fast');
    await type(20);
    // Kill the instance that holds the session's lease: what it had not stored is only in the stream.
    const redis = new Redis(REDIS_URL);
    const holder = await redis.get(`${env.REDIS_PREFIX}s:${id}:lease`).finally(() => redis.disconnect());
    assert.ok(holder, 'someone persists the session');
    const victim = servers.findIndex((server) => server.logs.some((line) => line.includes(`"instance":"${holder}"`)));
    assert.ok(victim >= 0, `the lease holder ${holder} is one of the instances`);
    await crash(servers[victim]!);
    moveTo(clients[victim]!, servers[1 - victim]!.url);
    await type(20);

    proxy.delayMs = 0;
    await cluster.up();
    const converged = (): boolean => a.provider.wsconnected && b.provider.wsconnected && a.text.toString() === b.text.toString();
    await waitFor(converged, 'both clients on the survivor, converged', 20_000);
    const expected = a.text.toString();
    const stored = started.add(await StoredCode.open({ databaseUrl: cluster.url }), (code) => code.close());
    await waitForAsync(async () => (await stored.code(id)) === expected, 'PostgreSQL to hold the converged text once it is back', 30_000);
    const history = await stored.history(id);
    assert.equal(history.code, expected, 'the update log alone rebuilds it');
    assert.equal(history.uids, history.updates - 1, 'each logged update once');
  });
});
