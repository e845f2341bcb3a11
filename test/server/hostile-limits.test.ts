import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { MemoryStorage } from '../../server/storage/memory-storage.js';
import { create, rawPeer } from './helpers/access.js';
import { connectYjs, JsonClient } from './helpers/clients.js';
import { sleep, startTestServer, waitFor, wsBase } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** An awareness frame setting `state` for `clientId`. */
function awarenessFrame(clientId: number, clock: number, state: unknown): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, clientId);
  encoding.writeVarUint(inner, clock);
  encoding.writeVarString(inner, JSON.stringify(state));
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
  return encoding.toUint8Array(encoder);
}

/** Opens a raw /yjs socket to the session. */
async function rawSocket(baseUrl: string, id: string): Promise<WebSocket> {
  const ws = new WebSocket(`${wsBase(baseUrl)}/yjs/${id}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

describe('what one participant may make the server relay and store', () => {
  let server: Server;
  const storage = new MemoryStorage();
  before(async () => {
    server = await startTestServer(
      { CONNECTION_LOG_PER_MINUTE: '1mb', SESSION_LOG_PER_MINUTE: '3mb', MAX_AWARENESS_BYTES: '8kb', AWARENESS_BYTES_PER_SECOND: '64kb', FLUSH_INTERVAL: '10ms' },
      { storage },
    );
  });
  after(async () => {
    await server.close();
  });

  it('an awareness state over MAX_AWARENESS_BYTES reaches no peer and no joiner; a cursor still does', async () => {
    const { id } = await create(server.url);
    const watcher = await connectYjs(server.url, id);
    const ws = await rawSocket(server.url, id);
    let largest = 0;
    watcher.provider.awareness.on('update', () => {
      largest = Math.max(largest, JSON.stringify(watcher.provider.awareness.getStates().get(555) ?? null).length);
    });
    try {
      ws.send(awarenessFrame(555, 1, { user: { name: 'huge' }, blob: 'x'.repeat(1_900_000) }));
      await sleep(100);
      const joiner = await connectYjs(server.url, id);
      await sleep(100);
      assert.ok(JSON.stringify([...joiner.provider.awareness.getStates().values()]).length < 10_000, 'the joiner did not receive the 1.9 MB state');
      ws.send(awarenessFrame(555, 2, { user: { name: 'Mallory' }, cursor: null }));
      await waitFor(() => (watcher.provider.awareness.getStates().get(555) as { user?: { name?: string } } | undefined)?.user?.name === 'Mallory', 'the small state relayed');
      assert.ok(largest < 10_000, `the peer never received the 1.9 MB state (largest seen: ${largest} characters)`);
      joiner.destroy();
    } finally {
      ws.close();
      watcher.destroy();
    }
  });

  it("a connection's awareness flood is dropped past AWARENESS_BYTES_PER_SECOND, the connection stays", async () => {
    const { id } = await create(server.url);
    const watcher = await connectYjs(server.url, id);
    const ws = await rawSocket(server.url, id);
    let relayed = 0;
    watcher.provider.awareness.on('update', ({ updated, added }: { updated: number[]; added: number[] }) => {
      if (updated.includes(556) || added.includes(556)) relayed++;
    });
    try {
      // 100 states of 7 KB in one burst: 700 KB against 64 KB a second.
      for (let clock = 1; clock <= 100; clock++) ws.send(awarenessFrame(556, clock, { user: { name: 'flood' }, pad: 'p'.repeat(7_000) }));
      await sleep(500);
      assert.ok(relayed >= 1 && relayed <= 15, `relayed ${relayed} of 100 (64 KB burst plus half a second's refill)`);
      assert.equal(ws.readyState, WebSocket.OPEN, 'dropped, not closed');
    } finally {
      ws.close();
      watcher.destroy();
    }
  });

  it('insert-and-delete cycles cannot fill storage: the session logs at most its budget a minute', async () => {
    const { id } = await create(server.url);
    const storedBytes = async (): Promise<number> => (await storage.history(id)).reduce((sum, { update }) => sum + update.length, 0);
    const before = await storedBytes();
    let denied = 0;
    for (let cycle = 0; cycle < 30; cycle++) {
      const peer = await rawPeer(server.url, id);
      await waitFor(() => peer.doc.store.clients.size > 0 || cycle === 0, 'synced');
      peer.text.insert(0, 'z'.repeat(300_000));
      peer.text.delete(0, 300_000);
      await sleep(20);
      denied += peer.denied.filter((reason) => /too much/.test(reason)).length;
      peer.ws.close();
      peer.doc.destroy();
    }
    await sleep(100);
    const grown = (await storedBytes()) - before;
    assert.ok(grown < 3.2 * 1024 * 1024, `storage grew by ${(grown / 2 ** 20).toFixed(1)} MB for 9 MB inserted (budget 3 MB a minute)`);
    assert.ok(denied > 0, 'the writer was told why');
    // Over the JSON protocol the refusal has its code.
    const { client } = await JsonClient.join(server.url, id);
    client.send({ type: 'codeChange', code: 'q'.repeat(500_000) });
    assert.equal((await client.next('error')).code, 'rate_limited');
    client.close();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /interview_errors_total\{kind="log_rate_limited"\} [1-9]/);
  });
});
