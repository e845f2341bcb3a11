import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import { MemoryStorage } from '../../server/storage/memory-storage.js';
import { PING_SLICE } from '../../server/ws/heartbeat.js';
import { connectYjs, type YjsClient } from './helpers/clients.js';
import { prng, testSeed } from './helpers/random.js';
import { createSession, sleep, startTestServer, waitFor, wsBase } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Opens a raw socket on /yjs/<id> and resolves with its close code and reason. */
function rawSocket(server: Server, id: string) {
  const ws = new WebSocket(`${wsBase(server.url)}/yjs/${id}`);
  const messages: Uint8Array[] = [];
  ws.on('message', (data) => messages.push(new Uint8Array(data as Buffer)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed, opened };
}

function syncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

describe('y-websocket sync on /yjs', () => {
  let server: Server;
  const clients: YjsClient[] = [];
  const connect = async (id: string) => {
    const client = await connectYjs(server.url, id);
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startTestServer({ UNLOAD_GRACE: '200ms' });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await server.close();
  });

  it('syncs two stock providers both ways, with the initial code exactly once', async () => {
    const { id } = await createSession(server.url, { code: 'const x = 1;\n', language: 'python' });
    const [a, b] = await Promise.all([connect(id), connect(id)]);
    assert.equal(a.text.toString(), 'const x = 1;\n');
    assert.equal(b.text.toString(), 'const x = 1;\n');
    assert.equal(b.doc.getMap('meta').get('language'), 'python');
    a.text.insert(a.text.length, 'const y = 2;\n');
    await waitFor(() => b.text.toString() === 'const x = 1;\nconst y = 2;\n', 'b to see a');
    b.text.delete(0, 'const x = 1;\n'.length);
    await waitFor(() => a.text.toString() === 'const y = 2;\n', 'a to see b');
    const info = (await (await fetch(`${server.url}/api/sessions/${id}`)).json()) as { participants: number };
    assert.equal(info.participants, 2);
  });

  it('converges three clients making random concurrent inserts and deletes', async () => {
    const seed = testSeed('yjs convergence');
    const random = prng(seed);
    const { id } = await createSession(server.url, { code: 'start\n' });
    const peers = await Promise.all([connect(id), connect(id), connect(id)]);
    for (let round = 0; round < 30; round++) {
      for (const peer of peers) {
        for (let op = 0; op < 5; op++) {
          const length = peer.text.length;
          if (length > 0 && random() < 0.35) {
            const index = Math.floor(random() * length);
            peer.text.delete(index, Math.min(length - index, 1 + Math.floor(random() * 4)));
          } else {
            const index = Math.floor(random() * (length + 1));
            peer.text.insert(index, String.fromCharCode(97 + Math.floor(random() * 26)).repeat(1 + Math.floor(random() * 3)));
          }
        }
      }
      if (round % 5 === 0) await sleep(5);
    }
    await waitFor(() => peers.every((peer) => peer.text.toString() === peers[0]!.text.toString()), 'convergence', 10_000);
    const serverCode = await (await fetch(`${server.url}/api/sessions/${id}/code`)).text();
    assert.equal(serverCode, peers[0]!.text.toString(), `server and clients agree (seed ${seed})`);
    assert.ok(serverCode.length > 0);
  });

  it('relays awareness and removes a departed client from it', async () => {
    const { id } = await createSession(server.url);
    const a = await connect(id);
    const b = await connect(id);
    a.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#f80' });
    const aId = a.doc.clientID;
    await waitFor(() => (b.provider.awareness.getStates().get(aId) as { user?: { name: string } } | undefined)?.user?.name === 'Ada', 'b to see Ada');
    a.destroy();
    await waitFor(() => !b.provider.awareness.getStates().has(aId), 'Ada removed from awareness');
  });

  it('refuses an unknown session with 4404 and creates nothing', async () => {
    const loaded = server.hub.loadedCount;
    const unknown = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const { closed } = rawSocket(server, unknown);
    const { code, reason } = await closed;
    assert.equal(code, 4404);
    assert.match(reason, /does not exist/);
    assert.equal(server.hub.loadedCount, loaded);
    assert.equal((await fetch(`${server.url}/api/sessions/${unknown}`)).status, 404);
    const malformed = await rawSocket(server, 'not-a-session').closed;
    assert.equal(malformed.code, 4404);
    assert.match(malformed.reason, /malformed/);
  });

  it('closes a connection that sends garbage with 4400; the session and its other clients go on', async () => {
    const { id } = await createSession(server.url, { code: 'safe' });
    const good = await connect(id);
    for (const garbage of [
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff),
      Uint8Array.of(0, 2, 50, 1, 2, 3),
      Uint8Array.of(0, 9),
      Uint8Array.of(7, 1, 2),
      Uint8Array.of(0, 2, 10, 1, 1, 5, 0, 4, 1, 4, 99, 111, 100, 101, 255),
      new Uint8Array(0),
    ]) {
      const bad = rawSocket(server, id);
      await bad.opened;
      bad.ws.send(garbage);
      const { code } = await bad.closed;
      assert.equal(code, 4400, `garbage ${Buffer.from(garbage).toString('hex')} closes with 4400`);
    }
    assert.equal(await (await fetch(`${server.url}/api/sessions/${id}/code`)).text(), 'safe');
    const other = await connect(id);
    good.text.insert(4, '!');
    await waitFor(() => other.text.toString() === 'safe!', 'sync after garbage');
  });

  it('closes a client that stops answering pings', async () => {
    const quick = await startTestServer({ PING_INTERVAL: '100ms' });
    try {
      const { id } = await createSession(quick.url);
      const answering = new WebSocket(`${wsBase(quick.url)}/yjs/${id}`);
      const ws = new WebSocket(`${wsBase(quick.url)}/yjs/${id}`, { autoPong: false });
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      await waitFor(() => ws.readyState === WebSocket.OPEN, 'open');
      await waitFor(() => quick.hub.isLoaded(id), 'loaded');
      const code = await closed;
      assert.ok(code === 4408 || code === 1006, `closed (code ${code})`);
      await sleep(350); // several more intervals
      assert.equal(answering.readyState, WebSocket.OPEN, 'a client that answers pings stays');
      const info = (await (await fetch(`${quick.url}/api/sessions/${id}`)).json()) as { participants: number };
      assert.equal(info.participants, 1);
      answering.close();
    } finally {
      await quick.close();
    }
  });

  it('pings a crowd in slices and still reaches every client: a silent one past the first slice is closed, the rest stay', { timeout: 20_000 }, async () => {
    const quick = await startTestServer({ PING_INTERVAL: '150ms', MAX_PARTICIPANTS: '1000', MAX_CONNECTIONS_PER_IP: '1000' });
    const crowd: WebSocket[] = [];
    try {
      const { id } = await createSession(quick.url);
      for (let i = 0; i < PING_SLICE + 50; i++) crowd.push(new WebSocket(`${wsBase(quick.url)}/yjs/${id}`));
      await waitFor(() => crowd.every((ws) => ws.readyState === WebSocket.OPEN), 'the crowd connected', 10_000);
      // Connected last, so it comes after the first slice of the server's clients.
      const silent = new WebSocket(`${wsBase(quick.url)}/yjs/${id}`, { autoPong: false });
      const closed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
      const code = await closed;
      assert.ok(code === 4408 || code === 1006, `closed (code ${code})`);
      await sleep(450); // three more intervals
      assert.equal(crowd.filter((ws) => ws.readyState !== WebSocket.OPEN).length, 0, 'every client that answers stays');
    } finally {
      for (const ws of crowd) ws.terminate();
      await quick.close();
    }
  });

  it('unloads a document after the grace period and loads it back intact', async () => {
    const { id } = await createSession(server.url, { code: 'persist me' });
    const a = await connect(id);
    a.text.insert(0, '// ');
    await waitFor(() => server.hub.isLoaded(id), 'loaded');
    a.destroy();
    await waitFor(() => !server.hub.isLoaded(id), 'unloaded after grace', 3000);
    const b = await connect(id);
    assert.equal(b.text.toString(), '// persist me');
  });
});

describe('document loading', () => {
  it('answers sync only once the document is fully loaded from storage', async () => {
    const storage = new MemoryStorage();
    const slowLoad = storage.loadDocument.bind(storage);
    storage.loadDocument = async (id) => {
      await sleep(300);
      return slowLoad(id);
    };
    const server = await startTestServer({}, { storage });
    try {
      const { id } = await createSession(server.url, { code: 'loaded before answering' });
      const socket = rawSocket(server, id);
      await socket.opened;
      socket.ws.send(syncStep1(new Y.Doc()));
      await waitFor(() => socket.messages.length >= 2, 'sync replies', 3000);
      // Whatever the server answers first must already carry the whole stored document.
      const doc = new Y.Doc();
      for (const message of socket.messages) {
        const decoder = decoding.createDecoder(message);
        if (decoding.readVarUint(decoder) !== 0) continue;
        const type = decoding.readVarUint(decoder);
        if (type === syncProtocol.messageYjsSyncStep2) {
          Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
          break;
        }
      }
      assert.equal(doc.getText('code').toString(), 'loaded before answering');
      socket.ws.close();
    } finally {
      await server.close();
    }
  });

  it('refuses with 1013 and keeps nothing in memory when the load fails', async () => {
    const storage = new MemoryStorage();
    storage.loadDocument = async () => {
      throw new Error('disk on fire');
    };
    const server = await startTestServer({}, { storage });
    try {
      const { id } = await createSession(server.url);
      const { code } = await rawSocket(server, id).closed;
      assert.equal(code, 1013);
      assert.equal(server.hub.isLoaded(id), false);
    } finally {
      await server.close();
    }
  });
});
