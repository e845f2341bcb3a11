import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectYjs, JsonClient } from './helpers/clients.js';
import { call, closeCodeOf, create, rawPeer, requestToken, tokenFor } from './helpers/access.js';
import { sleep, startTestServer, waitFor } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('roles and tokens', () => {
  let server: Server;
  const cleanup: Array<() => void> = [];
  before(async () => {
    server = await startTestServer({ UNLOAD_GRACE: '100ms' });
  });
  after(async () => {
    for (const close of cleanup) close();
    await server.close();
  });

  it('gives the interviewer link and a token for each role; refuses a wrong owner secret', async () => {
    const session = await create(server.url, { code: 'x' });
    assert.equal(session.interviewerUrl, `/session/${session.id}#owner=${session.ownerSecret}`);
    assert.ok(session.ownerSecret.length >= 43);
    const interviewer = await requestToken(server.url, session.id, { ownerSecret: session.ownerSecret });
    assert.equal(interviewer.status, 200);
    assert.equal(interviewer.body.role, 'interviewer');
    const candidate = await requestToken(server.url, session.id, {});
    assert.equal(candidate.body.role, 'candidate');
    const wrong = await requestToken(server.url, session.id, { ownerSecret: 'x'.repeat(43) });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error?.code, 'invalid_credentials');
    const info = await call(server.url, 'GET', `/api/sessions/${session.id}`, interviewer.body.token);
    assert.equal(info.body.role, 'interviewer');
    assert.equal((await call(server.url, 'GET', `/api/sessions/${session.id}`)).body.role, 'candidate');
  });

  it('lets only the interviewer lock and end, both ways', async () => {
    const session = await create(server.url);
    const interviewer = await tokenFor(server.url, session.id, { ownerSecret: session.ownerSecret });
    const candidate = await tokenFor(server.url, session.id, {});
    const path = `/api/sessions/${session.id}`;
    assert.equal((await call(server.url, 'PATCH', path, undefined, { readOnly: true })).status, 401);
    const refused = await call(server.url, 'PATCH', path, candidate, { readOnly: true });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'forbidden');
    assert.equal((await call(server.url, 'DELETE', path, candidate)).status, 403);
    assert.equal((await call(server.url, 'DELETE', path, 'not.a-token')).status, 401);
    assert.equal((await call(server.url, 'GET', path)).body.readOnly, false, 'nothing changed');
    const locked = await call(server.url, 'PATCH', path, interviewer, { readOnly: true });
    assert.equal(locked.status, 200);
    assert.equal(locked.body.readOnly, true);
    assert.equal((await call(server.url, 'DELETE', path, interviewer)).status, 204);
    assert.equal((await call(server.url, 'GET', path)).status, 410);
  });

  it('enforces the lock on the server, for candidates only, on /yjs and /ws', async () => {
    const session = await create(server.url, { code: 'base' });
    const interviewer = await tokenFor(server.url, session.id, { ownerSecret: session.ownerSecret });
    const watcher = await connectYjs(server.url, session.id);
    cleanup.push(() => watcher.destroy());
    await call(server.url, 'PATCH', `/api/sessions/${session.id}`, interviewer, { readOnly: true });
    await waitFor(() => watcher.doc.getMap('meta').get('readOnly') === true, 'the lock mirrored in meta');

    const candidate = await rawPeer(server.url, session.id);
    cleanup.push(() => candidate.ws.close());
    await waitFor(() => candidate.text.toString() === 'base', 'candidate synced');
    candidate.text.insert(4, ' + candidate');
    await waitFor(() => candidate.denied.length > 0, 'permission denied');
    assert.match(candidate.denied[0]!, /read-only/);
    // A candidate cannot lift the lock through the document either.
    candidate.doc.getMap('meta').set('readOnly', false);
    await sleep(100);
    assert.equal(watcher.doc.getMap('meta').get('readOnly'), true);
    assert.equal(watcher.text.toString(), 'base', 'the candidate edit reached nobody');

    const json = await JsonClient.join(server.url, session.id);
    cleanup.push(() => json.client.close());
    assert.equal(json.init.readOnly, true);
    assert.equal(json.init.role, 'candidate');
    json.client.send({ type: 'codeChange', code: 'rewritten' });
    assert.equal((await json.client.next('error')).code, 'read_only');

    const boss = await rawPeer(server.url, session.id, interviewer);
    cleanup.push(() => boss.ws.close());
    await waitFor(() => boss.text.toString().startsWith('base'), 'interviewer synced');
    boss.text.insert(0, '// reviewed\n');
    await waitFor(() => watcher.text.toString() === '// reviewed\nbase', 'the interviewer still edits');

    await call(server.url, 'PATCH', `/api/sessions/${session.id}`, interviewer, { readOnly: false });
    assert.equal((await json.client.next('access')).readOnly, false);
    json.client.send({ type: 'codeChange', code: '// reviewed\nbase!' });
    await waitFor(() => watcher.text.toString() === '// reviewed\nbase!', 'candidates edit again after unlock');
  });

  it('keeps the lock flag out of a never-locked document, and refuses a client that sets it', async () => {
    const session = await create(server.url, { code: 'open' });
    const watcher = await connectYjs(server.url, session.id);
    cleanup.push(() => watcher.destroy());
    await waitFor(() => watcher.text.toString() === 'open', 'watcher synced');
    assert.equal(watcher.doc.getMap('meta').has('readOnly'), false, 'absent means unlocked');
    const candidate = await rawPeer(server.url, session.id);
    cleanup.push(() => candidate.ws.close());
    await waitFor(() => candidate.text.toString() === 'open', 'candidate synced');
    candidate.doc.getMap('meta').set('readOnly', true);
    await waitFor(() => candidate.denied.length > 0, 'permission denied');
    assert.match(candidate.denied[0]!, /it changes meta\.readOnly/);
    await sleep(100);
    assert.equal(watcher.doc.getMap('meta').has('readOnly'), false, 'the flag never reached anyone');
    // This client's next change would follow a gap where the refused one was (closed with 4400): a fresh connection edits.
    const again = await rawPeer(server.url, session.id);
    cleanup.push(() => again.ws.close());
    await waitFor(() => again.text.toString() === 'open', 'candidate synced again');
    again.text.insert(4, '!');
    await waitFor(() => watcher.text.toString() === 'open!', 'the candidate still edits');
  });

  it('refuses a token for another session and a token past its expiry', async () => {
    const short = await startTestServer({ TOKEN_TTL: '300ms' });
    try {
      const a = await create(short.url);
      const b = await create(short.url);
      const tokenA = await tokenFor(short.url, a.id, { ownerSecret: a.ownerSecret });
      const wrongSession = await call(short.url, 'PATCH', `/api/sessions/${b.id}`, tokenA, { readOnly: true });
      assert.equal(wrongSession.status, 403);
      assert.equal(await closeCodeOf(short.url, b.id, tokenA), 4403);
      await sleep(400);
      const expired = await call(short.url, 'PATCH', `/api/sessions/${a.id}`, tokenA, { readOnly: true });
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error.code, 'unauthorized');
      assert.equal(await closeCodeOf(short.url, a.id, tokenA), 4401);
      const json = await JsonClient.connect(short.url);
      json.send({ type: 'join', sessionId: a.id, token: tokenA });
      assert.equal((await json.next('error')).code, 'unauthorized');
      json.close();
    } finally {
      await short.close();
    }
  });

  it('stamps the real role into awareness and keeps a connection to its own client id', async () => {
    const session = await create(server.url);
    const [a, b] = await Promise.all([connectYjs(server.url, session.id), connectYjs(server.url, session.id)]);
    cleanup.push(() => a.destroy(), () => b.destroy());
    a.provider.awareness.setLocalStateField('user', { name: 'Mallory', role: 'interviewer' });
    await waitFor(() => (b.provider.awareness.getStates().get(a.doc.clientID) as { user?: { role?: string } } | undefined)?.user?.role === 'candidate', 'role stamped');
    b.provider.awareness.setLocalStateField('user', { name: 'Bob' });
    await waitFor(() => a.provider.awareness.getStates().has(b.doc.clientID), 'bob visible');
    // A raw client tries to overwrite Bob's entry: the server drops it.
    const { encodeAwarenessUpdate, Awareness } = await import('y-protocols/awareness');
    const forger = await rawPeer(server.url, session.id);
    cleanup.push(() => forger.ws.close());
    const fake = new Awareness(forger.doc);
    fake.setLocalState({ user: { name: 'Mine now' } });
    fake.clientID = b.doc.clientID;
    const states = new Map([[b.doc.clientID, { user: { name: 'Bob was here... not' } }]]);
    const meta = new Map([[b.doc.clientID, { clock: 999, lastUpdated: Date.now() }]]);
    Object.assign(fake, { states, meta });
    const update = encodeAwarenessUpdate(fake, [b.doc.clientID]);
    const { createEncoder, writeVarUint, writeVarUint8Array, toUint8Array } = await import('lib0/encoding');
    const encoder = createEncoder();
    writeVarUint(encoder, 1);
    writeVarUint8Array(encoder, update);
    forger.ws.send(toUint8Array(encoder));
    await sleep(150);
    assert.equal((a.provider.awareness.getStates().get(b.doc.clientID) as { user: { name: string } }).user.name, 'Bob');
    fake.destroy();
  });
});

describe('private sessions', () => {
  let server: Server;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('keeps everyone without the password out of REST, /yjs and /ws, and lets them in with it', async () => {
    const session = await create(server.url, { code: 'secret plan', password: 'correct horse' });
    assert.equal(session.private, true);
    const path = `/api/sessions/${session.id}`;
    assert.equal((await call(server.url, 'GET', path)).status, 401);
    assert.equal((await call(server.url, 'GET', `${path}/code`)).status, 401);
    assert.equal(await closeCodeOf(server.url, session.id), 4401);
    const anonymous = await JsonClient.connect(server.url);
    anonymous.send({ type: 'join', sessionId: session.id });
    assert.equal((await anonymous.next('error')).code, 'unauthorized');
    anonymous.send({ type: 'join', sessionId: session.id, password: 'wrong horse' });
    assert.equal((await anonymous.next('error')).code, 'invalid_credentials');
    anonymous.send({ type: 'join', sessionId: session.id, password: 'correct horse' });
    assert.equal((await anonymous.next('init')).code, 'secret plan');
    anonymous.close();

    const wrong = await requestToken(server.url, session.id, { password: 'battery staple' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error?.code, 'invalid_credentials');
    const missing = await requestToken(server.url, session.id, {});
    assert.equal(missing.status, 401);
    const token = await tokenFor(server.url, session.id, { password: 'correct horse' });
    assert.equal((await call(server.url, 'GET', `${path}/code`, token)).body, 'secret plan');
    const candidate = await connectYjs(server.url, session.id, { token });
    assert.equal(candidate.text.toString(), 'secret plan');
    // The interviewer needs no password.
    const interviewer = await tokenFor(server.url, session.id, { ownerSecret: session.ownerSecret });
    assert.equal((await call(server.url, 'GET', path, interviewer)).body.role, 'interviewer');
    candidate.destroy();
  });

  it('applies access changes to connections already open', async () => {
    const session = await create(server.url, { code: 'live' });
    const interviewerToken = await tokenFor(server.url, session.id, { ownerSecret: session.ownerSecret });
    const interviewer = await rawPeer(server.url, session.id, interviewerToken);
    const candidate = await rawPeer(server.url, session.id);
    const json = await JsonClient.join(server.url, session.id);
    const jsonClosed = new Promise<number>((resolve) => json.client.ws.on('close', (code) => resolve(code)));
    await waitFor(() => candidate.text.toString() === 'live' && interviewer.text.toString() === 'live', 'synced');

    // A new password revokes candidates at once; the interviewer stays.
    await call(server.url, 'PATCH', `/api/sessions/${session.id}`, interviewerToken, { password: 'new password' });
    await waitFor(() => candidate.closed() === 4401, 'candidate disconnected');
    assert.equal(await jsonClosed, 4401);
    await sleep(50);
    assert.equal(interviewer.closed(), null, 'the interviewer is still connected');
    assert.equal(await closeCodeOf(server.url, session.id), 4401, 'rejoining without the password fails');

    // Rotating the owner secret revokes the interviewer link and its tokens.
    const rotated = await call(server.url, 'PATCH', `/api/sessions/${session.id}`, interviewerToken, { rotateOwnerSecret: true });
    assert.equal(rotated.status, 200);
    assert.ok(rotated.body.ownerSecret && rotated.body.ownerSecret !== session.ownerSecret);
    await waitFor(() => interviewer.closed() === 4401, 'interviewer connection closed after rotation');
    assert.equal((await requestToken(server.url, session.id, { ownerSecret: session.ownerSecret })).status, 401);
    const fresh = await tokenFor(server.url, session.id, { ownerSecret: rotated.body.ownerSecret });

    // Ending: everyone is told and disconnected; the interviewer can still read the code.
    const candidateToken = await tokenFor(server.url, session.id, { password: 'new password' });
    const last = await rawPeer(server.url, session.id, candidateToken);
    const boss = await rawPeer(server.url, session.id, fresh);
    await waitFor(() => last.text.toString() === 'live' && boss.text.toString() === 'live', 'synced again');
    assert.equal((await call(server.url, 'DELETE', `/api/sessions/${session.id}`, fresh)).status, 204);
    await waitFor(() => last.closed() === 4411 && boss.closed() === 4411, 'everyone disconnected with 4411');
    assert.equal((await call(server.url, 'GET', `/api/sessions/${session.id}`, candidateToken)).status, 410);
    const ended = await call(server.url, 'GET', `/api/sessions/${session.id}`, fresh);
    assert.equal(ended.body.ended, true);
    assert.equal((await call(server.url, 'GET', `/api/sessions/${session.id}/code`, fresh)).body, 'live');
    assert.equal(await closeCodeOf(server.url, session.id, fresh), 4411, 'nobody joins an ended session');
  });
});
