import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Y from 'yjs';
import { call, create, rawPeer, tokenFor, updateFrame } from './helpers/access.js';
import { connectYjs } from './helpers/clients.js';
import { startTestServer, waitFor, waitForAsync } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** A doc that holds `state` and writes as `clientID`. */
function docAs(clientID: number, state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  Y.applyUpdate(doc, state);
  return doc;
}

/**
 * Updates that depend on changes the server does not have yet: an insert placed after a
 * character `victim` has not typed yet, and the deletion of the characters `victim` will type
 * next. Yjs would hold both and apply them once the victim types.
 */
function heldUpdates(state: Uint8Array, victim: number, attacker: number, text: string): Uint8Array[] {
  const future = docAs(victim, state);
  const text0 = future.getText('code');
  const before = Y.encodeStateVector(future);
  text0.insert(text0.length, 'ABCDEFGH');
  const withFuture = Y.encodeStateAsUpdate(future);
  const afterInsert = Y.encodeStateVector(future);
  text0.delete(text0.length - 8, 8);
  const deleteFuture = Y.encodeStateAsUpdate(future, afterInsert);
  const forger = docAs(attacker, withFuture);
  forger.getText('code').insert(forger.getText('code').length, text);
  const insertAfterFuture = Y.encodeStateAsUpdate(forger, Y.encodeStateVector(future));
  assert.ok(before.length > 0);
  future.destroy();
  forger.destroy();
  return [insertAfterFuture, deleteFuture];
}

describe('updates judged when they take effect (missing dependencies are refused)', () => {
  let server: Server;
  before(async () => {
    server = await startTestServer({ MAX_DOCUMENT_BYTES: '1mb', FLUSH_INTERVAL: '10ms' });
  });
  after(async () => {
    await server.close();
  });

  it("a candidate's held update cannot write during the lock or delete the interviewer's typing", async () => {
    const session = await create(server.url, { code: 'base' });
    const token = await tokenFor(server.url, session.id, { ownerSecret: session.ownerSecret });
    const interviewer = await connectYjs(server.url, session.id, { token });
    const candidate = await rawPeer(server.url, session.id);
    try {
      await waitFor(() => candidate.text.toString() === 'base', 'candidate synced');
      const state = Y.encodeStateAsUpdate(candidate.doc);
      for (const update of heldUpdates(state, interviewer.doc.clientID, 4242, 'EVIL')) candidate.ws.send(updateFrame(update));
      await waitFor(() => candidate.closed() !== null, 'the candidate closed');
      assert.equal(candidate.closed(), 4400, 'refused: the update depends on changes the server does not have');
      const locked = await call(server.url, 'PATCH', `/api/sessions/${session.id}`, token, { readOnly: true });
      assert.equal(locked.status, 200);
      interviewer.text.insert(interviewer.text.length, 'ABCDEFGH');
      const code = async (): Promise<string> => (await call(server.url, 'GET', `/api/sessions/${session.id}/code`)).body as string;
      await waitForAsync(async () => (await code()) === 'baseABCDEFGH', 'the interviewer typing stored');
      assert.equal(interviewer.text.toString(), 'baseABCDEFGH', "the interviewer's editor matches the server");
      const late = await connectYjs(server.url, session.id, { token });
      assert.equal(late.text.toString(), 'baseABCDEFGH', 'nothing of the candidate appears, nothing of the interviewer is deleted');
      late.destroy();
    } finally {
      interviewer.destroy();
      candidate.ws.close();
    }
  });

  it('held data cannot get past MAX_DOCUMENT_BYTES', async () => {
    const session = await create(server.url, { code: 'x' });
    const phantom = 777_777;
    const big = 'y'.repeat(900_000);
    let refused = 0;
    for (let i = 0; i < 3; i++) {
      const peer = await rawPeer(server.url, session.id);
      await waitFor(() => peer.text.toString().startsWith('x'), 'synced');
      // Each grows the document by 0.9 MB once a phantom client's first character arrives.
      const base = docAs(phantom, Y.encodeStateAsUpdate(peer.doc));
      base.getText('code').insert(0, 'p');
      const forger = docAs(1000 + i, Y.encodeStateAsUpdate(base));
      forger.getText('code').insert(1, big);
      peer.ws.send(updateFrame(Y.encodeStateAsUpdate(forger, Y.encodeStateVector(base))));
      await waitFor(() => peer.closed() !== null, 'the held update refused');
      if (peer.closed() === 4400) refused++;
      base.destroy();
      forger.destroy();
    }
    assert.equal(refused, 3);
    // The phantom's first character arrives, complete: it is applied, and nothing was held for it.
    const peer = await rawPeer(server.url, session.id);
    await waitFor(() => peer.text.toString() === 'x', 'synced');
    const base = docAs(phantom, Y.encodeStateAsUpdate(peer.doc));
    base.getText('code').insert(0, 'p');
    peer.ws.send(updateFrame(Y.encodeStateAsUpdate(base, Y.encodeStateVector(peer.doc))));
    const joiner = await connectYjs(server.url, session.id);
    try {
      await waitFor(() => joiner.text.toString() === 'px', 'the complete update applied');
      assert.ok(Y.encodeStateAsUpdate(joiner.doc).length < 1_000, 'a new joiner receives a small document');
    } finally {
      joiner.destroy();
      peer.ws.close();
      base.destroy();
    }
  });
});
