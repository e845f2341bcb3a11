import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import { MemoryStorage } from '../../server/storage/memory-storage.js';
import type { Storage } from '../../server/storage/storage.js';
import { closeCodeOf } from './helpers/access.js';
import { connectYjs, JsonClient, type YjsClient } from './helpers/clients.js';
import { PrivateRedis } from './helpers/redis.js';
import { createSession, sleep, startTestServer, waitFor, waitForAsync } from './helpers/server.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Two instances sharing one storage and one Redis (a fresh key prefix per call). */
async function twoInstances(redisUrl: string, storages: readonly [Storage, Storage], env: Record<string, string> = {}) {
  const prefix = `test-${randomUUID().slice(0, 8)}:`;
  const a = await startTestServer({ REDIS_URL: redisUrl, ...env }, { storage: storages[0], redisPrefix: prefix });
  const b = await startTestServer({ REDIS_URL: redisUrl, ...env }, { storage: storages[1], redisPrefix: prefix });
  return { a, b, prefix };
}

/**
 * Shares one MemoryStorage between instances but lets a test fail one instance's writes, and
 * counts how the instance reads the log.
 */
function view(shared: MemoryStorage): Storage & { failWrites: boolean; reads: { whole: number; after: number } } {
  const storage = Object.create(shared) as MemoryStorage & { failWrites: boolean; reads: { whole: number; after: number } };
  storage.failWrites = false;
  storage.reads = { whole: 0, after: 0 };
  storage.write = async (batch) => {
    if (storage.failWrites) throw new Error('simulated write failure');
    return shared.write(batch);
  };
  storage.loadDocument = async (id) => {
    storage.reads.whole++;
    return shared.loadDocument(id);
  };
  storage.loadUpdatesAfter = async (id, afterSeq) => {
    storage.reads.after++;
    return shared.loadUpdatesAfter(id, afterSeq);
  };
  storage.close = async () => undefined;
  return storage;
}

describe('scale-out: two instances on one Redis', () => {
  let shared: MemoryStorage;
  let a: Server;
  let b: Server;
  let prefix: string;
  const clients: Array<{ destroy?: () => void; close?: () => void }> = [];
  const track = <T extends { destroy?: () => void; close?: () => void }>(client: T): T => {
    clients.push(client);
    return client;
  };

  before(async () => {
    shared = new MemoryStorage();
    ({ a, b, prefix } = await twoInstances(REDIS_URL, [view(shared), view(shared)]));
  });
  after(async () => {
    for (const client of clients) (client.destroy ?? client.close)?.call(client);
    await Promise.all([a.close(), b.close()]);
  });

  it('converges Yjs and JSON clients on both instances, and both count the same participants', async () => {
    const { id } = await createSession(a.url, { code: 'start\n' });
    const ya = track(await connectYjs(a.url, id));
    const yb = track(await connectYjs(b.url, id));
    const ja = await JsonClient.join(a.url, id);
    const jb = await JsonClient.join(b.url, id);
    track(ja.client);
    track(jb.client);
    ya.text.insert(0, 'A1 ');
    yb.text.insert(yb.text.length, 'B1\n');
    ja.client.send({ type: 'codeChange', code: ja.init.code + 'JA\n', version: ja.init.version });
    jb.client.send({ type: 'codeChange', code: 'JB ' + jb.init.code, version: jb.init.version });
    await waitFor(() => {
      const text = ya.text.toString();
      return text === yb.text.toString() && ['A1', 'B1', 'JA', 'JB'].every((mark) => text.includes(mark));
    }, 'both Yjs clients hold all four edits');
    await waitFor(() => ja.client.last('codeUpdate')?.code === ya.text.toString(), 'JSON client on A converges');
    await waitFor(() => jb.client.last('codeUpdate')?.code === ya.text.toString(), 'JSON client on B converges');
    for (const server of [a, b]) {
      await waitForAsync(async () => {
        const info = (await (await fetch(`${server.url}/api/sessions/${id}`)).json()) as { participants: number };
        return info.participants === 4;
      }, `4 participants reported by ${server.url}`);
    }
    // A leave on one instance is seen on the other.
    yb.destroy();
    await waitForAsync(async () => {
      const info = (await (await fetch(`${a.url}/api/sessions/${id}`)).json()) as { participants: number };
      return info.participants === 3;
    }, 'instance A counts the leave on B');
  });

  it('relays awareness between instances', async () => {
    const { id } = await createSession(a.url);
    const ya = track(await connectYjs(a.url, id));
    const yb = track(await connectYjs(b.url, id));
    ya.provider.awareness.setLocalStateField('user', { name: 'Grace' });
    await waitFor(() => (yb.provider.awareness.getStates().get(ya.doc.clientID) as { user?: { name: string } } | undefined)?.user?.name === 'Grace', 'awareness across instances');
    ya.destroy();
    await waitFor(() => !yb.provider.awareness.getStates().has(ya.doc.clientID), 'departure across instances');
  });

  it('gives an instance that loads a session the updates another has not stored yet', async () => {
    const failing = view(shared);
    const pair = await twoInstances(REDIS_URL, [failing, view(shared)]);
    try {
      const { id } = await createSession(pair.a.url, { code: 'stored\n' });
      const ya = track(await connectYjs(pair.a.url, id));
      failing.failWrites = true;
      ya.text.insert(ya.text.length, 'only in memory and in flight\n');
      await sleep(100);
      const yb = track(await connectYjs(pair.b.url, id));
      assert.equal(yb.text.toString(), 'stored\nonly in memory and in flight\n');
    } finally {
      failing.failWrites = false;
      await Promise.all([pair.a.close(), pair.b.close()]);
    }
  });

  it('answers a REST read on an instance that does not hold the session with what the stream holds but storage not yet', async () => {
    const views = [view(shared), view(shared)] as const;
    const pair = await twoInstances(REDIS_URL, views);
    try {
      const { id } = await createSession(pair.a.url, { code: 'stored\n' });
      for (const storage of views) storage.failWrites = true;
      const ya = track(await connectYjs(pair.a.url, id));
      ya.text.insert(ya.text.length, 'only in the stream\n');
      await sleep(200);
      assert.equal(pair.b.hub.isLoaded(id), false);
      const read = async (): Promise<string> => (await fetch(`${pair.b.url}/api/sessions/${id}/code`)).text();
      assert.equal(await read(), 'stored\nonly in the stream\n');
      assert.equal((await shared.history(id)).length, 1, 'storage holds only the first update yet');
      const history = async (): Promise<Array<[number, string | null]>> => (await pair.b.hub.history(id)).map((entry) => [entry.seq, entry.uid]);
      const [first, pending] = await history();
      assert.equal(first![1], null, 'the history: the stored first update...');
      assert.ok(pending![0] === 0 && pending![1], '...then the stream entry, with its uid and no seq yet');
      for (const storage of views) storage.failWrites = false;
      await waitForAsync(async () => (await shared.history(id)).length === 2, 'the stream entry to be stored once storage takes writes');
      assert.equal(await read(), 'stored\nonly in the stream\n');
      const [, stored, ...more] = await history();
      assert.deepEqual([stored![1], more], [pending![1], []], 'once stored, the history holds it once, under the same uid');
    } finally {
      await Promise.all([pair.a.close(), pair.b.close()]);
    }
  });

  it('counts MAX_PARTICIPANTS over every instance', async () => {
    const pair = await twoInstances(REDIS_URL, [view(shared), view(shared)], { MAX_PARTICIPANTS: '2' });
    try {
      const { id } = await createSession(pair.a.url);
      track(await connectYjs(pair.a.url, id));
      track(await connectYjs(pair.b.url, id));
      await waitForAsync(async () => {
        const info = (await (await fetch(`${pair.a.url}/api/sessions/${id}`)).json()) as { participants: number };
        return info.participants === 2;
      }, 'both instances to count two participants');
      assert.equal(await closeCodeOf(pair.a.url, id), CloseCode.TooMany, 'a third on the first instance');
      assert.equal(await closeCodeOf(pair.b.url, id), CloseCode.TooMany, 'a third on the second instance');
    } finally {
      await Promise.all([pair.a.close(), pair.b.close()]);
    }
  });

  it('snapshots by reading only the updates logged after what the document covers', async () => {
    const views = [view(shared), view(shared)] as const;
    const pair = await twoInstances(REDIS_URL, views, { SNAPSHOT_EVERY: '5' });
    try {
      const { id } = await createSession(pair.a.url, { code: '' });
      const ya = track(await connectYjs(pair.a.url, id));
      const yb = track(await connectYjs(pair.b.url, id));
      for (let i = 0; i < 30; i++) {
        (i % 2 ? ya : yb).text.insert(0, `${i};`);
        await sleep(5);
      }
      await waitFor(() => ya.text.toString() === yb.text.toString() && ya.text.length > 60, 'convergence');
      await waitForAsync(async () => views.some((storage) => storage.reads.after >= 3), 'snapshots to be taken');
      assert.deepEqual(views.map((storage) => storage.reads.whole), [1, 1], 'the whole document is read once per instance, to load it');
      // The snapshots claim only what their documents covered: storage alone rebuilds the text.
      const stored = async (): Promise<string> => {
        const loaded = await shared.loadDocument(id);
        const doc = new Y.Doc();
        for (const update of [...(loaded.snapshot ? [loaded.snapshot] : []), ...loaded.updates]) Y.applyUpdate(doc, update);
        return doc.getText('code').toString();
      };
      assert.ok((await shared.loadDocument(id)).snapshot, 'a snapshot was stored');
      await waitForAsync(async () => (await stored()) === ya.text.toString(), 'storage to hold the converged text');
    } finally {
      await Promise.all([pair.a.close(), pair.b.close()]);
    }
  });

  it('repairs a message that pub/sub dropped from the session stream', async () => {
    const { id } = await createSession(a.url, { code: '' });
    const ya = track(await connectYjs(a.url, id));
    const yb = track(await connectYjs(b.url, id));
    ya.text.insert(0, 'first;');
    await waitFor(() => yb.text.toString() === 'first;', 'first edit relayed');
    // An update that reached the stream but whose publication was lost.
    const ghost = new Y.Doc();
    Y.applyUpdate(ghost, Y.encodeStateAsUpdate(ya.doc));
    ghost.getText('code').insert(0, 'dropped;');
    const lost = Y.encodeStateAsUpdate(ghost, Y.encodeStateVector(ya.doc));
    const redis = new Redis(REDIS_URL);
    await redis.xadd(`${prefix}s:${id}:updates`, '*', 'o', 'elsewhere', 'u', Buffer.from(lost));
    redis.disconnect();
    ya.text.insert(ya.text.length, 'next;');
    await waitFor(() => yb.text.toString() === 'dropped;first;next;', `instance B repaired the gap (has ${JSON.stringify(yb.text.toString())})`);
  });
});

describe('scale-out: Redis goes away and comes back', () => {
  let redis: PrivateRedis;
  before(async () => {
    redis = await PrivateRedis.start();
  });
  after(() => redis.down());

  it('keeps serving each instance, then resynchronizes without losing an edit', async () => {
    const shared = new MemoryStorage();
    const { a, b } = await twoInstances(redis.url, [view(shared), view(shared)]);
    const clients: YjsClient[] = [];
    try {
      const { id } = await createSession(a.url, { code: '' });
      const ya = await connectYjs(a.url, id);
      const ya2 = await connectYjs(a.url, id);
      const yb = await connectYjs(b.url, id);
      clients.push(ya, ya2, yb);
      ya.text.insert(0, 'before;');
      await waitFor(() => yb.text.toString() === 'before;', 'relay before the outage');
      await redis.down();
      ya.text.insert(ya.text.length, 'A-during;');
      yb.text.insert(0, 'B-during;');
      // Each instance still serves its own participants.
      await waitFor(() => ya2.text.toString().includes('A-during;'), 'local relay on A during the outage');
      await sleep(300);
      assert.ok(!yb.text.toString().includes('A-during;'), 'nothing crosses while Redis is down');
      await redis.up();
      await waitFor(() => ya.text.toString() === yb.text.toString() && yb.text.toString().includes('A-during;') && ya.text.toString().includes('B-during;'),
        `convergence after Redis returned (A ${JSON.stringify(ya.text.toString())}, B ${JSON.stringify(yb.text.toString())})`, 15_000);
      ya.text.insert(0, 'after;');
      await waitFor(() => yb.text.toString().startsWith('after;'), 'relay after the outage');
    } finally {
      for (const client of clients) client.destroy();
      await Promise.all([a.close(), b.close()]);
    }
  });
});
