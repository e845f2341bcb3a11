import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as Y from 'yjs';
import { createLogger } from '../../server/logger.js';
import { PostgresStorage } from '../../server/storage/postgres-storage.js';
import { connectYjs, type YjsClient } from './helpers/clients.js';
import { postgresBinDir, PrivatePostgres } from './helpers/postgres.js';
import { createSession, sleep, startTestServer, waitFor, waitForAsync } from './helpers/server.js';

/** Everything to release, newest first, whether the test passed or not. */
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error('cleanup failed:', error);
    }
  }
});

/** Types `count` words into `client`'s document, a few milliseconds apart, like a person would. */
async function type(client: YjsClient, word: string, count: number, atStart = false): Promise<void> {
  for (let i = 0; i < count; i++) {
    client.text.insert(atStart ? 0 : client.text.length, `${word}${i} `);
    await sleep(5);
  }
}

describe('PostgreSQL outage', { skip: postgresBinDir() ? false : 'no PostgreSQL server binaries' }, () => {
  it('keeps the session live while the database is down and stores every edit once it is back', async () => {
    const cluster = await PrivatePostgres.start();
    cleanups.push(() => cluster.destroy());
    const env = { STORAGE: 'postgres', DATABASE_URL: cluster.url, FLUSH_INTERVAL: '20ms' };
    let server = await startTestServer(env);
    cleanups.push(() => server.close());
    // The test's own view of the database; its idle connections break with the outage (logged, silent here).
    const probe = await PostgresStorage.open(cluster.url, { logger: createLogger('silent'), pingTimeoutMs: 1_000 });
    cleanups.push(() => probe.close());

    const { id } = await createSession(server.url, { language: 'javascript', code: '// start\n' });
    const alice = await connectYjs(server.url, id);
    cleanups.push(() => alice.destroy());
    const bob = await connectYjs(server.url, id);
    cleanups.push(() => bob.destroy());
    const converged = (...clients: YjsClient[]) => () => clients.every((c) => c.text.toString() === alice.text.toString());

    await type(alice, 'before', 10);
    await waitFor(converged(bob), 'bob to see the edits before the outage');
    // hasPending, not queue.size: a batch being written has left the queue but is not stored yet.
    await waitFor(() => !server.hub.queue.hasPending(id), 'the edits before the outage to be stored');
    await probe.ping();

    const ready = async () => (await fetch(`${server.url}/readyz`)).status;
    assert.equal(await ready(), 200);
    await cluster.down('fast');
    await assert.rejects(probe.ping());
    await waitForAsync(async () => (await ready()) === 503, '/readyz to report the database down');
    const body = (await (await fetch(`${server.url}/readyz`)).json()) as { checks: Record<string, string> };
    assert.match(body.checks.storage!, /^unavailable/);
    await Promise.all([type(alice, 'during', 15), type(bob, 'bob', 15, true)]);
    // A newcomer joins the live document, which needs no storage.
    const carol = await connectYjs(server.url, id);
    cleanups.push(() => carol.destroy());
    await type(carol, 'carol', 5);
    await waitFor(converged(bob, carol), 'every client to converge during the outage');
    // A few write attempts fail meanwhile; the queue keeps every update.
    await sleep(300);
    assert.ok(server.hub.queue.hasPending(id), "expected the outage's edits to be buffered");

    await cluster.up();
    await waitFor(() => !server.hub.queue.hasPending(id), 'the buffered edits to be written after the outage', 10_000);
    await waitForAsync(async () => (await ready()) === 200, '/readyz to be ready again', 10_000);
    await probe.ping();
    const expected = alice.text.toString();
    assert.match(expected, /during14/);
    assert.match(expected, /bob14/);
    assert.match(expected, /carol4/);

    // The update log alone (no snapshot has been taken) holds every edit.
    const fromLog = new Y.Doc();
    for (const { update } of await probe.history(id)) Y.applyUpdate(fromLog, update);
    assert.equal(fromLog.getText('code').toString(), expected);
    fromLog.destroy();

    // And a restarted server serves the same code from PostgreSQL.
    for (const client of [alice, bob, carol]) client.destroy();
    await server.close();
    server = await startTestServer(env);
    const res = await fetch(`${server.url}/api/sessions/${id}/code`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), expected);
  });
});
