import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession, startTestServer } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('REST API', () => {
  let server: Server;
  before(async () => {
    server = await startTestServer({ MAX_BODY_BYTES: '4kb', MAX_CODE_CHARS: '1000' });
  });
  after(() => server.close());

  const post = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${server.url}/api/sessions`, { method: 'POST', headers, body });

  async function expectError(res: Response, status: number, code: string): Promise<string> {
    assert.equal(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, code);
    assert.ok(body.error.message.length > 0, 'error message is not empty');
    return body.error.message;
  }

  it('creates a session with defaults from an empty body', async () => {
    const res = await fetch(`${server.url}/api/sessions`, { method: 'POST' });
    assert.equal(res.status, 201);
    const body = (await res.json()) as Record<string, string>;
    assert.match(body.id!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(body.url, `/session/${body.id}`);
    assert.equal(res.headers.get('location'), body.url);
    assert.equal(body.language, 'javascript');
    assert.ok(!Number.isNaN(Date.parse(body.createdAt!)));
  });

  it('creates a session with language and initial code, readable back', async () => {
    const code = 'def add(a, b):\n    return a + b\n# ünïcödé ✓ 𝄞\n';
    const created = await createSession(server.url, { language: 'python', code });
    const info = (await (await fetch(`${server.url}/api/sessions/${created.id}`)).json()) as Record<string, unknown>;
    assert.equal(info.id, created.id);
    assert.equal(info.language, 'python');
    assert.equal(info.participants, 0);
    assert.ok(typeof info.createdAt === 'string');
    const res = await fetch(`${server.url}/api/sessions/${created.id}/code`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; charset=utf-8/);
    assert.equal(await res.text(), code);
  });

  it('gives every session a different id', async () => {
    const ids = new Set(await Promise.all(Array.from({ length: 20 }, async () => (await createSession(server.url)).id)));
    assert.equal(ids.size, 20);
  });

  it('refuses malformed JSON with 400 invalid_json', async () => {
    await expectError(await post('{"language": "python",'), 400, 'invalid_json');
  });

  it('refuses wrong types and unknown fields with 400 invalid_body', async () => {
    assert.match(await expectError(await post(JSON.stringify({ code: 42 })), 400, 'invalid_body'), /code/);
    await expectError(await post(JSON.stringify({ language: 7 })), 400, 'invalid_body');
    await expectError(await post(JSON.stringify({ lang: 'python' })), 400, 'invalid_body');
    await expectError(await post('[]'), 400, 'invalid_body');
    await expectError(await post('"text"'), 400, 'invalid_body');
    await expectError(await post('null'), 400, 'invalid_body');
  });

  it('refuses an unknown language with 400 unsupported_language', async () => {
    const message = await expectError(await post(JSON.stringify({ language: 'cobol' })), 400, 'unsupported_language');
    assert.match(message, /javascript/);
  });

  it('refuses code over the limit with 400 and an oversized body with 413', async () => {
    await expectError(await post(JSON.stringify({ code: 'x'.repeat(1001) })), 400, 'invalid_body');
    await expectError(await post(JSON.stringify({ code: 'x'.repeat(5000) })), 413, 'payload_too_large');
  });

  it('refuses a body that is not JSON with 415', async () => {
    await expectError(await post('language=python', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    await expectError(await post('hello', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
  });

  it('answers unknown ids with 404 and malformed ids with 400, for info and code', async () => {
    const unknown = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    await expectError(await fetch(`${server.url}/api/sessions/${unknown}`), 404, 'session_not_found');
    await expectError(await fetch(`${server.url}/api/sessions/${unknown}/code`), 404, 'session_not_found');
    for (const bad of ['nope', '123', "'%20OR%201=1", 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA']) {
      await expectError(await fetch(`${server.url}/api/sessions/${bad}`), 400, 'invalid_session_id');
      await expectError(await fetch(`${server.url}/api/sessions/${bad}/code`), 400, 'invalid_session_id');
    }
  });

  it('answers unknown API routes with a JSON 404', async () => {
    await expectError(await fetch(`${server.url}/api/nothing`), 404, 'not_found');
  });

  it('changes nothing when it refuses a request', async () => {
    const before = server.hub.loadedCount;
    const created = await createSession(server.url, { code: 'keep me' });
    await post(JSON.stringify({ code: 'x'.repeat(5000) }));
    await post('{');
    assert.equal(await (await fetch(`${server.url}/api/sessions/${created.id}/code`)).text(), 'keep me');
    assert.equal(server.hub.loadedCount, before);
  });
});
