import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { MemoryStorage } from '../../server/storage/memory-storage.js';
import { connectYjs, JsonClient } from './helpers/clients.js';
import { createSession, sleep, startTestServer, waitFor, waitForAsync, wsBase } from './helpers/server.js';

/** Memory storage whose writes can be made to fail, like a full disk or a lost database. */
class FlakyStorage extends MemoryStorage {
  failing = false;
  writes = 0;
  override async write(batch: Parameters<MemoryStorage['write']>[0]) {
    this.writes++;
    if (this.failing) throw new Error('simulated storage outage');
    return super.write(batch);
  }
  override async saveSnapshot(id: string, state: Uint8Array, uptoSeq: number) {
    if (this.failing) throw new Error('simulated storage outage');
    return super.saveSnapshot(id, state, uptoSeq);
  }
}

describe('session lifecycle', () => {
  it('keeps a document in memory while saves fail, retries, and unloads once saved', async () => {
    const storage = new FlakyStorage();
    const server = await startTestServer({ UNLOAD_GRACE: '50ms', FLUSH_INTERVAL: '10ms' }, { storage });
    try {
      const { id } = await createSession(server.url, { code: 'base' });
      const client = await connectYjs(server.url, id);
      storage.failing = true;
      client.text.insert(4, ' + edit during outage');
      await waitFor(() => storage.writes >= 2, 'write attempts');
      client.destroy();
      await sleep(300);
      assert.equal(server.hub.isLoaded(id), true, 'the only copy stays in memory');
      assert.equal(await (await fetch(`${server.url}/api/sessions/${id}/code`)).text(), 'base + edit during outage');
      storage.failing = false;
      await waitFor(() => !server.hub.isLoaded(id), 'unloaded after the retry succeeded', 10_000);
      const again = await connectYjs(server.url, id);
      assert.equal(again.text.toString(), 'base + edit during outage');
      again.destroy();
    } finally {
      await server.close();
    }
  });

  it("stores a typing session's activity once per touch period, and its exact last activity when it unloads", async () => {
    const storage = new MemoryStorage();
    const server = await startTestServer({ UNLOAD_GRACE: '100ms', FLUSH_INTERVAL: '10ms' }, { storage });
    let client: Awaited<ReturnType<typeof connectYjs>> | undefined;
    try {
      const { id } = await createSession(server.url);
      client = await connectYjs(server.url, id);
      const logged = async (): Promise<number> => (await storage.history(id)).length;
      const stored = async (): Promise<number> => (await storage.getSession(id))!.lastActivity;
      const before = await logged();
      client.text.insert(0, 'a');
      await waitForAsync(async () => (await logged()) === before + 1, 'the first keystroke stored');
      const first = (await storage.history(id)).at(-1)!.at;
      assert.equal(await stored(), first, "the period's first update stores its time");
      await sleep(30);
      client.text.insert(1, 'b');
      await waitForAsync(async () => (await logged()) === before + 2, 'the second keystroke stored');
      const second = (await storage.history(id)).at(-1)!.at;
      assert.ok(second > first);
      assert.equal(await stored(), first, 'a later update in the same period leaves the row alone');
      const shown = (await (await fetch(`${server.url}/api/sessions/${id}`)).json()) as { lastActivity: string };
      assert.equal(Date.parse(shown.lastActivity), second, 'the loaded session itself knows its last activity');
      client.destroy();
      client = undefined;
      await waitFor(() => !server.hub.isLoaded(id), 'the session unloaded');
      assert.equal(await stored(), second, 'unloading stores the exact last activity');
    } finally {
      client?.destroy();
      await server.close();
    }
  });

  it('expires an idle session: 404 over REST, refused over both WebSocket protocols', async () => {
    const server = await startTestServer({ SESSION_TTL: '300ms' });
    try {
      const { id } = await createSession(server.url);
      assert.equal((await fetch(`${server.url}/api/sessions/${id}`)).status, 200);
      await sleep(400);
      const res = await fetch(`${server.url}/api/sessions/${id}`);
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'session_expired');
      const ws = new WebSocket(`${wsBase(server.url)}/yjs/${id}`);
      const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
      assert.equal(code, 4410);
      const json = await JsonClient.connect(server.url);
      json.send({ type: 'join', sessionId: id });
      assert.equal((await json.next('error')).code, 'session_expired');
      json.close();
      assert.equal(server.hub.isLoaded(id), false);
    } finally {
      await server.close();
    }
  });

  it('compacts a long history into snapshots and still loads the exact text', async () => {
    const storage = new MemoryStorage();
    const server = await startTestServer({ SNAPSHOT_EVERY: '50', FLUSH_INTERVAL: '5ms', UNLOAD_GRACE: '20ms' }, { storage });
    try {
      const { id } = await createSession(server.url, { code: '' });
      const client = await connectYjs(server.url, id);
      for (let i = 0; i < 300; i++) {
        client.text.insert(client.text.length, String(i % 10));
        if (i % 20 === 0) await sleep(6);
      }
      const expected = client.text.toString();
      client.destroy();
      await waitFor(() => !server.hub.isLoaded(id), 'unloaded', 5000);
      const stored = await storage.loadDocument(id);
      assert.ok(stored.snapshot, 'a snapshot was written');
      assert.ok(stored.updates.length < 50, `${stored.updates.length} updates after the snapshot`);
      assert.equal((await storage.history(id)).length, 301, 'the full history is kept');
      assert.equal(await (await fetch(`${server.url}/api/sessions/${id}/code`)).text(), expected);
    } finally {
      await server.close();
    }
  });
});
