import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import { connectYjs, JsonClient } from './helpers/clients.js';
import { call, closeCodeOf, create, rawPeer } from './helpers/access.js';
import { sleep, waitFor, withServer, wsBase } from './helpers/server.js';

describe('limits', () => {
  it('refuses an update that would grow the document past MAX_DOCUMENT_BYTES; others see nothing of it', () =>
    withServer({ MAX_DOCUMENT_BYTES: '4kb' }, async (server) => {
      const session = await create(server.url, { code: 'start\n' });
      const watcher = await connectYjs(server.url, session.id);
      const writer = await rawPeer(server.url, session.id);
      await waitFor(() => writer.text.toString() === 'start\n', 'synced');
      writer.text.insert(6, 'a'.repeat(2000)); // fits
      await waitFor(() => watcher.text.length === 2006, 'an edit under the bound passes');
      writer.text.insert(0, 'b'.repeat(3000)); // would pass 4 KB
      await waitFor(() => writer.denied.length > 0, 'the sender is told');
      assert.match(writer.denied[0]!, /document size limit/);
      await sleep(100);
      assert.equal(watcher.text.length, 2006, 'the others saw nothing of it');
      const json = await JsonClient.join(server.url, session.id);
      json.client.send({ type: 'codeChange', code: json.init.code + 'c'.repeat(3000) });
      assert.equal((await json.client.next('error')).code, 'document_too_large');
      assert.equal((await call(server.url, 'GET', `/api/sessions/${session.id}/code`)).body.length, 2006);
      json.client.close();
      writer.ws.close();
      watcher.destroy();
    }));

  it('caps participants per session (MAX_PARTICIPANTS) over both protocols', () =>
    withServer({ MAX_PARTICIPANTS: '2' }, async (server) => {
      const session = await create(server.url, { code: 'x' });
      const a = await connectYjs(server.url, session.id);
      const b = await JsonClient.join(server.url, session.id);
      assert.equal(await closeCodeOf(server.url, session.id), 4429);
      const third = await JsonClient.connect(server.url);
      third.send({ type: 'join', sessionId: session.id });
      assert.equal((await third.next('error')).code, 'session_full');
      // The two inside are unaffected.
      b.client.send({ type: 'codeChange', code: 'x!' });
      await waitFor(() => a.text.toString() === 'x!', 'participants still work');
      third.close();
      b.client.close();
      a.destroy();
    }));

  it('caps connections per address (MAX_CONNECTIONS_PER_IP)', () =>
    withServer({ MAX_CONNECTIONS_PER_IP: '3' }, async (server) => {
      const session = await create(server.url);
      const open = await Promise.all([0, 1, 2].map(() => JsonClient.connect(server.url)));
      assert.equal(await closeCodeOf(server.url, session.id), 4429);
      open[0]!.close();
      await sleep(50);
      const again = await JsonClient.join(server.url, session.id);
      assert.equal(again.init.sessionId, session.id, 'a slot freed by a close is usable');
      for (const client of [...open, again.client]) client.close();
    }));

  it('limits messages per connection: a flood on /yjs closes it, on /ws it is refused then closed', () =>
    withServer({ MESSAGES_PER_SECOND: '20', MESSAGE_BURST: '20' }, async (server) => {
      const session = await create(server.url, { code: 'calm' });
      const bystander = await connectYjs(server.url, session.id);
      const flooder = new WebSocket(`${wsBase(server.url)}/yjs/${session.id}`);
      const closed = new Promise<number>((resolve) => flooder.on('close', (code) => resolve(code)));
      await new Promise((resolve) => flooder.once('open', resolve));
      const query = encoding.createEncoder();
      encoding.writeVarUint(query, 3);
      for (let i = 0; i < 100; i++) flooder.send(encoding.toUint8Array(query));
      assert.equal(await closed, 4429);

      const json = await JsonClient.join(server.url, session.id);
      const jsonClosed = new Promise<number>((resolve) => json.client.ws.on('close', (code) => resolve(code)));
      for (let i = 0; i < 200; i++) json.client.send({ type: 'languageChange', language: i % 2 ? 'python' : 'javascript' });
      assert.equal(await jsonClosed, 4429);
      assert.ok(json.client.messages.some((m) => m.type === 'error' && m.code === 'rate_limited'), 'refusals came first');
      // The session and its other participant are fine.
      const other = await JsonClient.join(server.url, session.id);
      other.client.send({ type: 'codeChange', code: 'calm!' });
      await waitFor(() => bystander.text.toString() === 'calm!', 'bystander still syncs');
      other.client.close();
      bystander.destroy();
    }));

  it('closes a /ws connection that never joins (JOIN_TIMEOUT)', () =>
    withServer({ JOIN_TIMEOUT: '200ms' }, async (server) => {
      const silent = new WebSocket(`${wsBase(server.url)}/ws`);
      const code = await new Promise<number>((resolve) => silent.on('close', (c) => resolve(c)));
      assert.equal(code, 4408);
    }));

  it('rate-limits REST per address: creation first, then everything', () =>
    withServer({ RATE_LIMIT_CREATE: '3', RATE_LIMIT_API: '8' }, async (server) => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(server.url, 'POST', '/api/sessions', undefined, {})).status);
      assert.deepEqual(statuses, [201, 201, 201, 429]);
      const limited = await call(server.url, 'POST', '/api/sessions', undefined, {});
      assert.equal(limited.body.error.code, 'rate_limited');
      const reads: number[] = [];
      for (let i = 0; i < 4; i++) reads.push((await call(server.url, 'GET', '/api/sessions/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f')).status);
      assert.deepEqual(reads, [404, 404, 404, 429]);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'health is not rate-limited');
    }));

  it('requires an API key to create sessions when API_KEYS is set', () =>
    withServer({ API_KEYS: 'key-one, key-two' }, async (server) => {
      const none = await call(server.url, 'POST', '/api/sessions', undefined, {});
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, 'api_key_required');
      const wrong = await call(server.url, 'POST', '/api/sessions', 'key-three', {});
      assert.equal(wrong.body.error.code, 'invalid_api_key');
      assert.equal((await call(server.url, 'POST', '/api/sessions', 'key one', {})).body.error.code, 'invalid_api_key');
      assert.equal((await call(server.url, 'POST', '/api/sessions', 'key-two', {})).status, 201);
      const session = await create(server.url, {}, 'key-one');
      assert.equal((await call(server.url, 'GET', `/api/sessions/${session.id}`)).status, 200, 'joining needs no key');
    }));
});
