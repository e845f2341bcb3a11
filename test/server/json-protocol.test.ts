import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { connectYjs, JsonClient, type YjsClient } from './helpers/clients.js';
import { createSession, sleep, startTestServer, waitFor, wsBase } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('seed JSON protocol on /ws', () => {
  let server: Server;
  const open: Array<{ destroy?: () => void; close?: () => void }> = [];
  const yjs = async (id: string): Promise<YjsClient> => {
    const client = await connectYjs(server.url, id);
    open.push(client);
    return client;
  };
  const json = async (id: string) => {
    const joined = await JsonClient.join(server.url, id);
    open.push(joined.client);
    return joined;
  };
  const code = async (id: string) => (await fetch(`${server.url}/api/sessions/${id}/code`)).text();

  before(async () => {
    server = await startTestServer({ MAX_CODE_CHARS: '2000' });
  });
  after(async () => {
    for (const client of open) (client.destroy ?? client.close)?.call(client);
    await server.close();
  });

  it('answers join with init and counts participants of both protocols on every join and leave', async () => {
    const { id } = await createSession(server.url, { code: 'print(1)', language: 'python' });
    const a = await yjs(id);
    const { client: j1, init } = await json(id);
    assert.equal(init.code, 'print(1)');
    assert.equal(init.language, 'python');
    assert.equal(init.participants, 2);
    assert.equal(typeof init.version, 'number');
    const { client: j2 } = await json(id);
    assert.equal((await j1.next('participants')).count, 2);
    assert.equal((await j1.next('participants')).count, 3);
    a.destroy();
    assert.equal((await j1.next('participants')).count, 2);
    assert.equal((await j2.next('participants')).count, 3);
    await waitFor(() => j2.last('participants')?.count === 2, 'j2 hears the leave');
    j2.close();
    assert.equal((await j1.next('participants')).count, 1);
  });

  it('applies a codeChange as a minimal diff that Yjs clients receive', async () => {
    const { id } = await createSession(server.url, { code: 'const a = 1;\n' });
    const y = await yjs(id);
    const deltas: unknown[] = [];
    y.text.observe((event) => deltas.push(event.delta));
    const { client } = await json(id);
    client.send({ type: 'codeChange', code: 'const a = 12;\n' });
    await waitFor(() => y.text.toString() === 'const a = 12;\n', 'yjs client sees the change');
    assert.deepEqual(deltas, [[{ retain: 11 }, { insert: '2' }]], 'one insert, not a replace-all');
    const ack = await client.next('codeAck');
    assert.equal(typeof ack.version, 'number');
  });

  it('sends Yjs edits to JSON clients as codeUpdate with a version', async () => {
    const { id } = await createSession(server.url, { code: 'x' });
    const y = await yjs(id);
    const { client, init } = await json(id);
    y.text.insert(1, 'yz');
    const update = await client.next('codeUpdate');
    assert.equal(update.code, 'xyz');
    assert.ok(update.version > init.version);
  });

  it('merges a codeChange based on an older version without erasing a concurrent Yjs edit', async () => {
    const base = 'function add(a, b) {\n  return a + b;\n}\n';
    const { id } = await createSession(server.url, { code: base });
    const y = await yjs(id);
    const { client, init } = await json(id);
    y.text.insert(0, '// header by Yjs\n');
    await client.next('codeUpdate');
    // The JSON client has not applied that update: it edits the old text and says so.
    client.send({ type: 'codeChange', code: base.replace('a + b', 'a + b + 0'), version: init.version });
    const expected = '// header by Yjs\nfunction add(a, b) {\n  return a + b + 0;\n}\n';
    await waitFor(() => y.text.toString() === expected, 'both edits in the Yjs client');
    assert.equal(await code(id), expected);
    // The sender is told about the merged text it does not have yet.
    await waitFor(() => client.last('codeUpdate')?.code === expected, 'sender receives the merged code');
  });

  it('ends a burst of unversioned codeChanges exactly on the last text (a seed client typing)', async () => {
    const { id } = await createSession(server.url, { code: '' });
    const y = await yjs(id);
    const { client } = await json(id);
    const target = 'function greet(name) {\n  return `Hello, ${name}!`;\n}\n';
    for (let i = 1; i <= target.length; i++) client.send({ type: 'codeChange', code: target.slice(0, i) });
    // Deletions too: backspace over the last line and retype it differently.
    let text = target;
    for (let i = 0; i < 3; i++) {
      text = text.slice(0, -1);
      client.send({ type: 'codeChange', code: text });
    }
    text += '}\n// done';
    for (let i = text.length - 8; i <= text.length; i++) client.send({ type: 'codeChange', code: text.slice(0, i) });
    await waitFor(() => y.text.toString() === text, 'yjs client converges on the last text');
    await sleep(50);
    assert.equal(await code(id), text);
  });

  it('ends a burst of versioned codeChanges exactly on the last text, keeping a concurrent edit', async () => {
    const { id } = await createSession(server.url, { code: 'line one\n' });
    const y = await yjs(id);
    const { client, init } = await json(id);
    let version = init.version;
    let text = 'line one\n';
    const addition = 'line two typed quickly\n';
    for (let i = 0; i < addition.length; i++) {
      text += addition[i];
      client.send({ type: 'codeChange', code: text, version });
      if (i === 5) y.text.insert(0, '# top\n');
      // A versioned client adopts the versions of acks as they arrive, without waiting for them.
      const acks = client.messages.filter((m) => m.type === 'codeAck');
      if (acks.length > 0) version = (acks.at(-1) as { version: number }).version;
      if (i % 4 === 0) await sleep(1);
    }
    const expected = '# top\nline one\nline two typed quickly\n';
    await waitFor(() => y.text.toString() === expected, `convergence (got ${JSON.stringify(y.text.toString())})`);
    assert.equal(await code(id), expected);
  });

  it('coalesces codeUpdates under a burst and always ends on the latest state', async () => {
    const { id } = await createSession(server.url, { code: '' });
    const y = await yjs(id);
    const { client } = await json(id);
    for (let i = 0; i < 200; i++) y.text.insert(y.text.length, 'a');
    await waitFor(() => client.last('codeUpdate')?.code === 'a'.repeat(200), 'latest state delivered');
    const updates = client.messages.filter((m) => m.type === 'codeUpdate').length;
    assert.ok(updates < 20, `200 edits arrived as ${updates} codeUpdates`);
  });

  it('sends languageChange to everyone, over both protocols', async () => {
    const { id } = await createSession(server.url);
    const y = await yjs(id);
    const { client: j1 } = await json(id);
    const { client: j2 } = await json(id);
    j1.send({ type: 'languageChange', language: 'python' });
    assert.equal((await j2.next('languageUpdate')).language, 'python');
    await waitFor(() => y.doc.getMap('meta').get('language') === 'python', 'yjs client sees python');
    const info = (await (await fetch(`${server.url}/api/sessions/${id}`)).json()) as { language: string };
    assert.equal(info.language, 'python');
    assert.equal((await j1.next('languageUpdate')).language, 'python', 'the sender hears it too');
    y.doc.getMap('meta').set('language', 'javascript');
    assert.equal((await j1.next('languageUpdate')).language, 'javascript');
  });

  it('answers malformed and unknown messages with an error and keeps the connection and session', async () => {
    const { id } = await createSession(server.url, { code: 'intact' });
    const y = await yjs(id);
    const client = await JsonClient.connect(server.url);
    open.push(client);
    const cases: Array<[unknown, string]> = [
      ['{not json', 'invalid_json'],
      ['42', 'invalid_message'],
      [{ kind: 'join' }, 'invalid_message'],
      [{ type: 'teleport' }, 'unknown_type'],
      [{ type: 'codeChange', code: 'x' }, 'not_joined'],
      [{ type: 'join', sessionId: 'nope' }, 'invalid_session_id'],
      [{ type: 'join', sessionId: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f' }, 'session_not_found'],
      [{ type: 'join', sessionId: 42 }, 'invalid_message'],
    ];
    for (const [message, expected] of cases) {
      client.send(message);
      const error = await client.next('error');
      assert.equal(error.code, expected, `${JSON.stringify(message)} → ${expected}`);
      assert.ok(error.message.length > 0);
    }
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await client.next('error')).code, 'invalid_message');
    // Still usable: it can join now.
    client.send({ type: 'join', sessionId: id });
    await client.next('init');
    for (const [message, expected] of [
      [{ type: 'codeChange', code: 7 }, 'invalid_message'],
      [{ type: 'codeChange', code: 'x'.repeat(2001) }, 'code_too_large'],
      [{ type: 'languageChange', language: 'brainfuck' }, 'unsupported_language'],
      [{ type: 'join', sessionId: id }, 'already_joined'],
    ] as Array<[unknown, string]>) {
      client.send(message);
      assert.equal((await client.next('error')).code, expected);
    }
    assert.equal(await code(id), 'intact');
    assert.equal(y.doc.getMap('meta').get('language'), 'javascript');
    client.send({ type: 'codeChange', code: 'intact!' });
    await waitFor(() => y.text.toString() === 'intact!', 'connection still works');
  });

  it('closes a connection that sends a frame over MAX_MESSAGE_BYTES with 1009; the session goes on', async () => {
    const small = await startTestServer({ MAX_MESSAGE_BYTES: '16kb' });
    try {
      const { id } = await createSession(small.url, { code: 'small' });
      const y = await connectYjs(small.url, id);
      const { client } = await JsonClient.join(small.url, id);
      const closed = new Promise<number>((resolve) => client.ws.on('close', (code) => resolve(code)));
      client.send({ type: 'codeChange', code: 'x'.repeat(20_000) });
      assert.equal(await closed, 1009);
      const { client: other } = await JsonClient.join(small.url, id);
      other.send({ type: 'codeChange', code: 'small!' });
      await waitFor(() => y.text.toString() === 'small!', 'session still works');
      other.close();
      y.destroy();
    } finally {
      await small.close();
    }
  });

  it('queues messages sent right after join until init', async () => {
    const { id } = await createSession(server.url, { code: 'a' });
    const ws = new WebSocket(`${wsBase(server.url)}/ws`);
    const received: Array<{ type: string }> = [];
    ws.on('message', (data) => received.push(JSON.parse(data.toString())));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'join', sessionId: id }));
    ws.send(JSON.stringify({ type: 'codeChange', code: 'ab' }));
    await waitFor(() => received.some((m) => m.type === 'codeAck'), 'ack');
    assert.equal(received[0]!.type, 'init');
    assert.equal(await code(id), 'ab');
    ws.close();
  });
});
