import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { call, create, rawPeer, tokenFor, updateFrame } from './helpers/access.js';
import { connectYjs } from './helpers/clients.js';
import { startTestServer, waitFor, waitForAsync, wsBase } from './helpers/server.js';

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

/** Updates refused for missing dependencies so far, from the server's metrics. */
async function refusals(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/interview_errors_total\{kind="missing_dependency"\} (\d+)/.exec(text)?.[1] ?? 0);
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
    const before = await refusals(server.url);
    try {
      await waitFor(() => candidate.text.toString() === 'base', 'candidate synced');
      const state = Y.encodeStateAsUpdate(candidate.doc);
      for (const update of heldUpdates(state, interviewer.doc.clientID, 4242, 'EVIL')) candidate.ws.send(updateFrame(update));
      await waitForAsync(async () => (await refusals(server.url)) >= before + 2, 'both refused: they depend on changes the server does not have');
      assert.equal(candidate.closed(), null, 'refused, not closed: an honest client would resend what is missing');
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
    const before = await refusals(server.url);
    for (let i = 0; i < 3; i++) {
      const peer = await rawPeer(server.url, session.id);
      await waitFor(() => peer.text.toString().startsWith('x'), 'synced');
      // Each grows the document by 0.9 MB once a phantom client's first character arrives.
      const base = docAs(phantom, Y.encodeStateAsUpdate(peer.doc));
      base.getText('code').insert(0, 'p');
      const forger = docAs(1000 + i, Y.encodeStateAsUpdate(base));
      forger.getText('code').insert(1, big);
      peer.ws.send(updateFrame(Y.encodeStateAsUpdate(forger, Y.encodeStateVector(base))));
      await waitForAsync(async () => (await refusals(server.url)) === before + i + 1, 'the held update refused');
      peer.ws.close();
      base.destroy();
      forger.destroy();
    }
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

  it('an honest client whose update builds on edits it has not sent yet is asked for them, and converges', async () => {
    const session = await create(server.url, { code: 'x' });
    const doc = new Y.Doc();
    const ws = new WebSocket(`${wsBase(server.url)}/yjs/${session.id}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // Answers the server's sync messages as a provider does, replies included.
    ws.on('message', (data) => {
      const decoder = decoding.createDecoder(new Uint8Array(data as Buffer));
      if (decoding.readVarUint(decoder) !== 0) return;
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, 0);
      syncProtocol.readSyncMessage(decoder, reply, doc, 'server');
      if (encoding.length(reply) > 1) ws.send(encoding.toUint8Array(reply));
    });
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, 0);
    syncProtocol.writeSyncStep1(step1, doc);
    ws.send(encoding.toUint8Array(step1));
    try {
      await waitFor(() => doc.getText('code').toString() === 'x', 'synced');
      // Typed offline: the first edit is never sent, the second builds on it.
      doc.getText('code').insert(1, ' one');
      const afterFirst = Y.encodeStateVector(doc);
      doc.getText('code').insert(5, ' two');
      ws.send(updateFrame(Y.encodeStateAsUpdate(doc, afterFirst)));
      const code = async (): Promise<string> => (await call(server.url, 'GET', `/api/sessions/${session.id}/code`)).body as string;
      await waitForAsync(async () => (await code()) === 'x one two', 'the server asked for the missing edit and got both');
      assert.equal(ws.readyState, WebSocket.OPEN);
    } finally {
      ws.close();
      doc.destroy();
    }
  });
});
