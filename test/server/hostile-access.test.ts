import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStorage } from '../../server/storage/memory-storage.js';
import { call, create, rawPeer, tokenFor } from './helpers/access.js';
import { connectYjs, JsonClient } from './helpers/clients.js';
import { sleep, startTestServer, waitFor } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Memory storage whose document loads take a while, like a busy database. */
class SlowLoads extends MemoryStorage {
  delayMs = 0;
  override async loadDocument(id: string) {
    await sleep(this.delayMs);
    return super.loadDocument(id);
  }
}

describe('access that lapses or changes while a connection is open', () => {
  let server: Server;
  const storage = new SlowLoads();
  before(async () => {
    server = await startTestServer({ TOKEN_TTL: '1500ms', MAX_PARTICIPANTS: '3' }, { storage });
  });
  after(async () => {
    await server.close();
  });

  it('an expired token no longer edits: the socket is closed with 4401', async () => {
    const session = await create(server.url, { code: 'x', password: 'correct horse' });
    const token = await tokenFor(server.url, session.id, { password: 'correct horse' });
    const peer = await rawPeer(server.url, session.id, token);
    await waitFor(() => peer.text.toString() === 'x', 'synced');
    await waitFor(() => peer.closed() !== null, 'closed once the token expired', 4_000);
    assert.equal(peer.closed(), 4401);
  });

  it('a token with anything appended to its signature is refused', async () => {
    const session = await create(server.url, { code: 'x', password: 'correct horse' });
    const token = await tokenFor(server.url, session.id, { password: 'correct horse' });
    assert.equal((await call(server.url, 'GET', `/api/sessions/${session.id}/code`, token)).status, 200);
    for (const junk of ['!!', '~', '==', '.']) {
      assert.equal((await call(server.url, 'GET', `/api/sessions/${session.id}/code`, token + junk)).status, 401, `junk ${junk}`);
    }
  });

  it('a /ws join that races the end of the session does not stay connected', async () => {
    const session = await create(server.url, { code: 'x' });
    const interviewer = await tokenFor(server.url, session.id, { ownerSecret: session.ownerSecret });
    storage.delayMs = 300;
    try {
      const client = await JsonClient.connect(server.url);
      const closed = new Promise<number>((resolve) => client.ws.on('close', (code) => resolve(code)));
      client.send({ type: 'join', sessionId: session.id });
      await sleep(100);
      assert.equal((await call(server.url, 'DELETE', `/api/sessions/${session.id}`, interviewer)).status, 204);
      assert.equal(await closed, 4411, 'the joiner is told the session ended');
      assert.equal(client.messages.some((message) => message.type === 'codeAck'), false);
    } finally {
      storage.delayMs = 0;
    }
  });

  it('candidates cannot fill a session against its interviewer', async () => {
    const session = await create(server.url, { code: 'x' });
    const candidates = await Promise.all([1, 2, 3].map(() => connectYjs(server.url, session.id)));
    const refused = await JsonClient.connect(server.url);
    refused.send({ type: 'join', sessionId: session.id });
    assert.equal((await refused.next('error')).code, 'session_full', 'a fourth candidate is refused');
    const token = await tokenFor(server.url, session.id, { ownerSecret: session.ownerSecret });
    const interviewer = await connectYjs(server.url, session.id, { token });
    interviewer.text.insert(1, '!');
    await waitFor(() => candidates[0]!.text.toString() === 'x!', 'the interviewer is in and heard');
    interviewer.destroy();
    refused.close();
    for (const candidate of candidates) candidate.destroy();
  });
});

describe('a session past SESSION_MAX_AGE', () => {
  it('closes its open connections with 4410', async () => {
    const server = await startTestServer({ SESSION_MAX_AGE: '1500ms' });
    try {
      const session = await create(server.url, { code: 'x' });
      const peer = await rawPeer(server.url, session.id);
      await waitFor(() => peer.text.toString() === 'x', 'synced');
      await waitFor(() => peer.closed() !== null, 'closed at the maximum age', 4_000);
      assert.equal(peer.closed(), 4410);
    } finally {
      await server.close();
    }
  });
});
