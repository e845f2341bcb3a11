import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { connectYjs, type YjsClient } from './helpers/clients.js';
import { prng, testSeed } from './helpers/random.js';
import { createSession, startTestServer, waitFor, wsBase } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Valid y-websocket frames to mutate: sync step 1, an update, an awareness update, a query. */
function seedFrames(): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  doc.getText('code').insert(0, 'function f() { return 1; }');
  doc.getText('code').delete(3, 4);
  const frames: Uint8Array[] = [];
  let encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  syncProtocol.writeSyncStep1(encoder, doc);
  frames.push(encoding.toUint8Array(encoder));
  for (const update of updates) {
    encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeUpdate(encoder, update);
    frames.push(encoding.toUint8Array(encoder));
  }
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState({ user: { name: 'fuzz', color: '#123456' } });
  encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
  frames.push(encoding.toUint8Array(encoder));
  // Oversized: a state of 20 KB, over the test server's MAX_AWARENESS_BYTES.
  awareness.setLocalState({ user: { name: 'fuzz', color: '#123456' }, pad: 'p'.repeat(20_000) });
  encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
  frames.push(encoding.toUint8Array(encoder));
  awareness.destroy();
  frames.push(Uint8Array.of(3));
  // Missing dependencies: an insert after, and a deletion of, changes the server never got.
  const unseen = new Y.Doc();
  unseen.clientID = 99_999;
  unseen.getText('code').insert(0, 'never sent');
  const dependent = new Y.Doc();
  Y.applyUpdate(dependent, Y.encodeStateAsUpdate(unseen));
  dependent.getText('code').insert(5, 'held?');
  dependent.getText('code').delete(0, 3);
  for (const update of [Y.encodeStateAsUpdate(dependent, Y.encodeStateVector(unseen))]) {
    encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeUpdate(encoder, update);
    frames.push(encoding.toUint8Array(encoder));
  }
  unseen.destroy();
  dependent.destroy();
  return frames;
}

function mutate(random: () => number, frame: Uint8Array): Uint8Array {
  const bytes = Array.from(frame);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (bytes.length + 1));
    const kind = random();
    if (kind < 0.4 && bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = Math.floor(random() * 256);
    else if (kind < 0.7) bytes.splice(at, 0, Math.floor(random() * 256));
    else if (kind < 0.85) bytes.splice(at, 1 + Math.floor(random() * 3));
    else bytes.splice(at, 0, ...Array.from({ length: Math.floor(random() * 8) }, () => 0xff));
  }
  return Uint8Array.from(bytes);
}

function randomJson(random: () => number, depth = 0): unknown {
  const pick = random();
  if (depth > 2 || pick < 0.2) return [null, true, 0, -1, 1e308, 'x', '', '\u0000', 'join', 'codeChange'][Math.floor(random() * 10)];
  if (pick < 0.4) return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth + 1));
  const keys = ['type', 'sessionId', 'code', 'version', 'language', 'name', '__proto__', 'constructor'];
  const object: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(random() * 4); i++) object[keys[Math.floor(random() * keys.length)]!] = randomJson(random, depth + 1);
  return object;
}

describe('fuzz: hostile frames and bodies', () => {
  let server: Server;
  let bystanders: YjsClient[] = [];
  let victimId: string;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  before(async () => {
    process.on('unhandledRejection', onRejection);
    server = await startTestServer({ MAX_MESSAGE_BYTES: '64kb', MAX_AWARENESS_BYTES: '4kb' });
    const { id } = await createSession(server.url, { code: 'bystander\n' });
    victimId = (await createSession(server.url, { code: 'fuzzed\n' })).id;
    bystanders = [await connectYjs(server.url, id), await connectYjs(server.url, id)];
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    for (const client of bystanders) client.destroy();
    await server.close();
  });

  /** The bystanders' session still syncs both ways. */
  async function bystandersSync(mark: string): Promise<void> {
    const [a, b] = bystanders as [YjsClient, YjsClient];
    a.text.insert(a.text.length, mark);
    await waitFor(() => b.text.toString().endsWith(mark), `bystander sync after ${mark}`);
  }

  it('survives thousands of random and mutated frames on /yjs, /ws and REST', async () => {
    const seed = testSeed('fuzz');
    const random = prng(seed);
    const frames = seedFrames();
    const rssBefore = process.memoryUsage().rss;
    const yjsUrl = `${wsBase(server.url)}/yjs/${victimId}`;
    let sent = 0;
    for (let round = 0; round < 10; round++) {
      // /yjs: a few connections per round, each sends frames until the server closes it.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const ws = new WebSocket(yjsUrl);
          const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
          ws.on('error', () => undefined);
          await new Promise<void>((resolve) => ws.once('open', () => resolve()));
          for (let i = 0; i < 30 && ws.readyState === WebSocket.OPEN; i++) {
            const pick = random();
            const seedFrame = frames[Math.floor(random() * frames.length)]!;
            const frame = pick < 0.15
              ? Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))
              : pick < 0.3 ? seedFrame : mutate(random, seedFrame);
            ws.send(frame);
            sent++;
          }
          ws.close();
          await closed;
        }),
      );
      // /ws: random JSON values and mutated valid messages on one connection.
      const json = new WebSocket(`${wsBase(server.url)}/ws`);
      json.on('error', () => undefined);
      await new Promise<void>((resolve) => json.once('open', () => resolve()));
      json.send(JSON.stringify({ type: 'join', sessionId: victimId }));
      for (let i = 0; i < 150; i++) {
        const value = random() < 0.5 ? randomJson(random) : { type: 'codeChange', code: JSON.stringify(randomJson(random)) ?? '', version: randomJson(random) };
        const text = JSON.stringify(value) ?? 'undefined';
        json.send(random() < 0.1 ? text.slice(0, Math.floor(random() * text.length)) : text);
        sent++;
      }
      json.close();
      // REST: random bodies and content types.
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const body = random() < 0.5 ? JSON.stringify(randomJson(random)) : String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(random() * 128)));
          const res = await fetch(`${server.url}/api/sessions`, {
            method: 'POST',
            headers: { 'content-type': random() < 0.8 ? 'application/json' : 'text/plain' },
            body,
          });
          assert.ok(res.status < 500, `REST answered ${res.status} to ${body}`);
          await res.arrayBuffer();
          sent++;
        }),
      );
      await bystandersSync(`|${round}`);
    }
    assert.ok(sent > 3000, `${sent} hostile inputs sent`);
    assert.deepEqual(rejections, [], 'no unhandled rejection');
    const res = await fetch(`${server.url}/api/sessions/${victimId}/code`);
    assert.equal(res.status, 200, 'the fuzzed session still answers');
    const victim = server.hub.loaded(victimId);
    assert.ok(victim, 'the fuzzed session is still in memory (within UNLOAD_GRACE)');
    assert.equal(victim.doc.store.pendingStructs, null, 'nothing held pending for missing dependencies');
    assert.equal(victim.doc.store.pendingDs, null, 'no deletion held pending');
    for (const state of victim.awareness.getStates().values()) assert.ok(JSON.stringify(state).length <= 4096, 'no oversized awareness state kept');
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grownMb < 200, `memory stayed bounded (grew ${grownMb.toFixed(0)} MB)`);
  });
});
