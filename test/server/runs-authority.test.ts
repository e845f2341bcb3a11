import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { readRunViews, type RunView } from '../../shared/read-runs.js';
import { encodeRunMessage, type RunClientMessage } from '../../shared/protocol/run-messages.js';
import { MAX_RUNS, MAX_RUN_OUTPUT, OUTPUT_CUT_NOTICE, RUNS_ARRAY } from '../../shared/runs.js';
import { call, create, runPeer, tokenFor, updateFrame, type CreatedSession, type RunPeer } from './helpers/access.js';
import { connectYjs, type YjsClient } from './helpers/clients.js';
import { sleep, startTestServer, tempDir, waitFor } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
/** The runs GET /api/sessions/:id/runs reports. */
async function restRuns(server: Server, id: string, token?: string): Promise<Array<Record<string, unknown>>> {
  return (await call(server.url, 'GET', `/api/sessions/${id}/runs`, token)).body.runs;
}

/** What the next run reply (refusal) to `peer` says. */
async function nextReply(peer: RunPeer, seen: number): Promise<{ code: string; message: string }> {
  await waitFor(() => peer.runReplies.length > seen, 'a run reply');
  const reply = peer.runReplies[seen]!;
  assert.equal(reply.type, 'refused');
  return { code: reply.code, message: reply.message };
}

/** The run `id` as `watcher` holds it. */
const runIn = (watcher: YjsClient, id: string): RunView | undefined => readRunViews(watcher.doc).find((run) => run.id === id);

describe('runs are recorded by the server (forged runs refused)', () => {
  let server: Server;
  const cleanup: Array<() => void> = [];
  before(async () => {
    server = await startTestServer({ FLUSH_INTERVAL: '10ms' });
  });
  after(async () => {
    for (const undo of cleanup) undo();
    await server.close();
  });

  /** A session, its interviewer's token, and a watcher (a stock provider) in it. */
  async function room(): Promise<{ session: CreatedSession; token: string; watcher: YjsClient }> {
    const session = await create(server.url, { code: 'x' });
    const token = await tokenFor(server.url, session.id, { ownerSecret: session.ownerSecret });
    const watcher = await connectYjs(server.url, session.id);
    cleanup.push(() => watcher.destroy());
    return { session, token, watcher };
  }

  async function join(id: string, options: { token?: string; user?: Record<string, unknown> } = {}): Promise<RunPeer> {
    const peer = await runPeer(server.url, id, options);
    cleanup.push(() => peer.ws.close());
    return peer;
  }

  it('records a run from its messages with the author, role, client id and time stamped by the server', async () => {
    const { session, token, watcher } = await room();
    const ivy = await join(session.id, { token, user: { name: '  Ivy the interviewer  ' } });
    const before = Date.now();
    ivy.run({ type: 'start', id: 'run-ivy-0001', language: 'python' });
    ivy.run({ type: 'output', id: 'run-ivy-0001', chunks: [{ stream: 'stdout', text: '3 of 12 tests passed\n' }, { stream: 'stderr', text: 'AssertionError\n' }] });
    ivy.run({ type: 'finish', id: 'run-ivy-0001', status: 'error', durationMs: 41.6 });
    await waitFor(() => runIn(watcher, 'run-ivy-0001')?.status === 'error', 'the finished run at the watcher');
    const run = runIn(watcher, 'run-ivy-0001')!;
    assert.ok(run.startedAt >= before && run.startedAt <= Date.now(), 'startedAt is the server time');
    const output = [{ stream: 'stdout', text: '3 of 12 tests passed\n' }, { stream: 'stderr', text: 'AssertionError\n' }];
    const record = { id: 'run-ivy-0001', by: 'Ivy the interviewer', role: 'interviewer', language: 'python', startedAt: run.startedAt, status: 'error', truncated: false, output, durationMs: 42 };
    assert.deepEqual(run, { ...record, clientId: ivy.doc.clientID });
    await waitFor(() => runIn(watcher, 'run-ivy-0001') !== undefined && readRunViews(ivy.doc).length === 1, 'the author gets its run too');
    assert.deepEqual(await restRuns(server, session.id), [record]);

    // A candidate claiming the interviewer's role and a long name in awareness; one with no awareness at all.
    const mallory = await join(session.id, { user: { name: 'M'.repeat(60), role: 'interviewer' } });
    mallory.run({ type: 'start', id: 'run-mallory-1', language: 'javascript' });
    const silent = await join(session.id);
    silent.run({ type: 'start', id: 'run-silent-01', language: 'javascript' });
    await waitFor(() => readRunViews(watcher.doc).length === 3, 'both runs recorded');
    assert.deepEqual(
      { by: runIn(watcher, 'run-mallory-1')!.by, role: runIn(watcher, 'run-mallory-1')!.role, status: runIn(watcher, 'run-mallory-1')!.status },
      { by: 'M'.repeat(40), role: 'candidate', status: 'running' },
    );
    assert.deepEqual({ by: runIn(watcher, 'run-silent-01')!.by, clientId: runIn(watcher, 'run-silent-01')!.clientId }, { by: 'Someone', clientId: null });
  });

  /** A room where Ivy, the interviewer, has a finished run (failed: 3 of 12 tests) and one going. */
  async function ivysRuns() {
    const { session, token, watcher } = await room();
    const ivy = await join(session.id, { token, user: { name: 'Ivy' } });
    ivy.run({ type: 'start', id: 'run-ivy-0001', language: 'python' });
    ivy.run({ type: 'output', id: 'run-ivy-0001', chunks: [{ stream: 'stdout', text: '3 of 12 tests passed\n' }] });
    ivy.run({ type: 'finish', id: 'run-ivy-0001', status: 'error', durationMs: 40 });
    ivy.run({ type: 'start', id: 'run-ivy-0002', language: 'python' });
    await waitFor(() => runIn(watcher, 'run-ivy-0001')?.status === 'error' && runIn(watcher, 'run-ivy-0002') !== undefined, 'both runs at the watcher');
    return { session, token, watcher, ivy, seen: readRunViews(watcher.doc), rest: await restRuns(server, session.id) };
  }

  /** Nothing of the refused attempts reached the watcher or the REST API; Ivy's connection still finishes its run. */
  async function unchanged({ session, watcher, ivy, seen, rest }: Awaited<ReturnType<typeof ivysRuns>>): Promise<void> {
    await sleep(150);
    assert.deepEqual(readRunViews(watcher.doc), seen, 'the watcher saw none of it');
    assert.deepEqual(await restRuns(server, session.id), rest, 'nor did the REST API');
    ivy.run({ type: 'finish', id: 'run-ivy-0002', status: 'ok', durationMs: 5 });
    await waitFor(() => runIn(watcher, 'run-ivy-0002')?.status === 'ok', 'the author finishes its run');
  }

  it("refuses a run message about someone else's run, a finished run, or a taken id", async () => {
    const ivys = await ivysRuns();
    const { session, token, ivy } = ivys;
    const eve = await join(session.id, { user: { name: 'Eve' } });
    const attempts: Array<[RunClientMessage, RegExp]> = [
      [{ type: 'output', id: 'run-ivy-0002', chunks: [{ stream: 'stdout', text: 'All 12 tests passed\n' }] }, /someone else's/],
      [{ type: 'finish', id: 'run-ivy-0002', status: 'ok', durationMs: 1 }, /someone else's/],
      [{ type: 'output', id: 'run-ivy-0001', chunks: [{ stream: 'stdout', text: 'All 12 tests passed\n' }] }, /has ended/],
      [{ type: 'finish', id: 'run-ivy-0001', status: 'ok', durationMs: 1 }, /has ended/],
      [{ type: 'start', id: 'run-ivy-0001', language: 'python' }, /is taken/],
    ];
    for (const [index, [message, reason]] of attempts.entries()) {
      eve.run(message);
      const reply = await nextReply(eve, index);
      assert.equal(reply.code, 'forbidden');
      assert.match(reply.message, reason);
    }
    // The author's finished run is immutable to the author too, and another connection of the interviewer is someone else.
    ivy.run({ type: 'output', id: 'run-ivy-0001', chunks: [{ stream: 'stdout', text: 'more\n' }] });
    assert.match((await nextReply(ivy, 0)).message, /has ended/);
    const ivyAgain = await join(session.id, { token, user: { name: 'Ivy' } });
    ivyAgain.run({ type: 'finish', id: 'run-ivy-0002', status: 'ok', durationMs: 1 });
    assert.match((await nextReply(ivyAgain, 0)).message, /someone else's/);

    await unchanged(ivys);
  });

  it("refuses a candidate's update that rewrites the interviewer's run, poses as the interviewer, or changes a finished run", async () => {
    const ivys = await ivysRuns();
    const { session } = ivys;
    // Each attempt from a fresh candidate (a refused update leaves a gap in its changes).
    const forgeries: Array<(doc: Y.Doc) => void> = [
      (doc) => {
        const run = doc.getArray<Y.Map<unknown>>(RUNS_ARRAY).get(0);
        const output = run.get('output') as Y.Array<unknown>;
        doc.transact(() => {
          run.set('status', 'ok');
          output.delete(0, output.length);
          output.push([{ stream: 'stdout', text: 'All 12 tests passed\n' }]);
        });
      },
      (doc) => {
        const run = new Y.Map<unknown>();
        doc.transact(() => {
          for (const [key, value] of Object.entries({ id: 'forged-run-1', by: 'Ivy', role: 'interviewer', language: 'python', startedAt: Date.now(), status: 'ok', truncated: false })) run.set(key, value);
          run.set('output', Y.Array.from([{ stream: 'stdout', text: 'All 12 tests passed\n' }]));
          doc.getArray(RUNS_ARRAY).push([run]);
        });
      },
      (doc) => doc.getArray<Y.Map<unknown>>(RUNS_ARRAY).get(1).set('status', 'ok'),
      (doc) => (doc.getArray<Y.Map<unknown>>(RUNS_ARRAY).get(1).get('output') as Y.Array<unknown>).push([{ stream: 'stdout', text: 'All 12 tests passed\n' }]),
      (doc) => doc.getArray(RUNS_ARRAY).delete(0, 1),
    ];
    for (const forge of forgeries) {
      const mallory = await join(session.id, { user: { name: 'Mallory' } });
      await waitFor(() => readRunViews(mallory.doc).length === 2, 'the candidate synced the runs');
      forge(mallory.doc);
      await waitFor(() => mallory.denied.length > 0, 'permission denied');
      assert.match(mallory.denied[0]!, /^update refused: it changes runs/);
    }
    // A struct continuing the server's own last item (a run output chunk) while declaring itself code.
    const mallory = await join(session.id);
    await waitFor(() => readRunViews(mallory.doc).length === 2, 'synced');
    const serverClient = mallory.doc.getArray<Y.Map<unknown>>(RUNS_ARRAY).get(1)._item!.id.client;
    const have = Y.getState(mallory.doc.store, serverClient);
    const encoder = new Y.UpdateEncoderV1();
    encoding.writeVarUint(encoder.restEncoder, 1);
    encoding.writeVarUint(encoder.restEncoder, 1);
    encoder.writeClient(serverClient);
    encoding.writeVarUint(encoder.restEncoder, have - 1);
    const firstCode = Y.decodeUpdate(Y.encodeStateAsUpdate(mallory.doc)).structs.find((struct) => struct instanceof Y.Item && (struct.parent as unknown) === 'code')!;
    new Y.Item(Y.createID(serverClient, have - 1), null, firstCode.id, null, null, null, null, new Y.ContentAny([0, { stream: 'stdout', text: 'All 12 tests passed\n' }])).write(encoder, 0);
    encoding.writeVarUint(encoder.restEncoder, 0);
    mallory.ws.send(updateFrame(encoder.toUint8Array()));
    await waitFor(() => mallory.denied.length > 0, 'permission denied');
    assert.match(mallory.denied[0]!, /^update refused: .*continues/);

    const metrics = (await call(server.url, 'GET', '/metrics')).body as string;
    assert.ok(Number(/interview_errors_total\{kind="forbidden_change"\} (\d+)/.exec(metrics)?.[1]) >= 6, 'counted');
    await unchanged(ivys);
  });

  it('refuses changes of meta.readOnly, other meta keys and unknown root types; the code and the language still change', async () => {
    const { session, watcher } = await room();
    const attempts: Array<[(doc: Y.Doc) => void, string]> = [
      [(doc) => doc.getMap('meta').set('readOnly', true), 'meta.readOnly'],
      [(doc) => doc.getMap('meta').set('theme', 'dark'), 'meta.theme'],
      [(doc) => doc.getMap('elsewhere').set('k', 1), 'elsewhere.k'],
      [(doc) => doc.getText('notes').insert(0, 'hidden'), 'notes'],
      [(doc) => doc.getMap('meta').set('language', new Y.Map([['nested', 'python']])) as unknown, 'meta.language (inside it)'],
    ];
    for (const [change, place] of attempts) {
      const peer = await join(session.id);
      change(peer.doc);
      await waitFor(() => peer.denied.length > 0, `permission denied for ${place}`);
      assert.equal(peer.denied[0], `update refused: it changes ${place}; participants may change only the code and the language; nothing changed`);
    }
    const honest = await join(session.id);
    honest.doc.transact(() => {
      honest.text.insert(1, 'yz');
      honest.doc.getMap('meta').set('language', 'python');
    });
    await waitFor(() => watcher.text.toString() === 'xyz' && watcher.doc.getMap('meta').get('language') === 'python', 'the honest edit applied');
    await sleep(100);
    assert.deepEqual([...watcher.doc.getMap('meta').keys()].sort(), ['language']);
    assert.deepEqual([...watcher.doc.share.keys()].sort(), ['code', 'meta']);
  });

  it("interrupts a run when its author's connection closes", async () => {
    const { session, watcher } = await room();
    const carl = await join(session.id, { user: { name: 'Carl' } });
    carl.run({ type: 'start', id: 'run-carl-001', language: 'javascript' });
    carl.run({ type: 'output', id: 'run-carl-001', chunks: [{ stream: 'stdout', text: 'tick\n' }] });
    await waitFor(() => runIn(watcher, 'run-carl-001')?.output.length === 1, 'the output at the watcher');
    carl.ws.close();
    await waitFor(() => runIn(watcher, 'run-carl-001')?.status === 'interrupted', 'the run interrupted');
    const run = runIn(watcher, 'run-carl-001')!;
    assert.equal(typeof run.durationMs, 'number');
    assert.deepEqual(run.output, [{ stream: 'stdout', text: 'tick\n' }]);
    assert.equal((await restRuns(server, session.id))[0]!.status, 'interrupted');
  });

  it('rate-limits starts, cuts output at MAX_RUN_OUTPUT, keeps MAX_RUNS runs, and lets a locked candidate only finish', async () => {
    const { session, token, watcher } = await room();
    const busy = await join(session.id, { user: { name: 'Busy' } });
    for (let i = 0; i < 10; i++) {
      busy.run({ type: 'start', id: `run-busy-${String(i).padStart(3, '0')}`, language: 'javascript' });
      busy.run({ type: 'finish', id: `run-busy-${String(i).padStart(3, '0')}`, status: 'ok', durationMs: 1 });
    }
    busy.run({ type: 'start', id: 'run-busy-010', language: 'javascript' });
    assert.equal((await nextReply(busy, 0)).code, 'rate_limited');
    await waitFor(() => readRunViews(watcher.doc).filter((run) => run.status === 'ok').length === 10, 'ten runs, and no eleventh');

    const chatty = await join(session.id);
    chatty.run({ type: 'start', id: 'run-chatty-1', language: 'javascript' });
    chatty.run({ type: 'output', id: 'run-chatty-1', chunks: [{ stream: 'stdout', text: 'a'.repeat(MAX_RUN_OUTPUT - 1) }, { stream: 'stderr', text: 'bc' }] });
    chatty.run({ type: 'output', id: 'run-chatty-1', chunks: [{ stream: 'stdout', text: 'dropped' }] });
    chatty.run({ type: 'finish', id: 'run-chatty-1', status: 'ok', durationMs: 9 });
    await waitFor(() => runIn(watcher, 'run-chatty-1')?.status === 'ok', 'the chatty run finished');
    assert.deepEqual(runIn(watcher, 'run-chatty-1')!.output, [
      { stream: 'stdout', text: 'a'.repeat(MAX_RUN_OUTPUT - 1) },
      { stream: 'stderr', text: 'b' },
      { stream: 'system', text: OUTPUT_CUT_NOTICE },
    ]);
    assert.equal(runIn(watcher, 'run-chatty-1')!.truncated, true);

    // Ten more from others: the oldest runs go, MAX_RUNS stay.
    for (let i = 0; i < 10; i++) (await join(session.id)).run({ type: 'start', id: `run-other-${String(i).padStart(3, '0')}`, language: 'python' });
    await waitFor(() => runIn(watcher, 'run-other-009') !== undefined, 'the last run recorded');
    assert.equal(readRunViews(watcher.doc).length, MAX_RUNS);
    assert.equal(runIn(watcher, 'run-busy-000'), undefined, 'the oldest run is gone');

    const late = await join(session.id);
    late.run({ type: 'start', id: 'run-late-001', language: 'javascript' });
    await waitFor(() => runIn(watcher, 'run-late-001') !== undefined, 'started before the lock');
    assert.equal((await call(server.url, 'PATCH', `/api/sessions/${session.id}`, token, { readOnly: true })).status, 200);
    await waitFor(() => late.doc.getMap('meta').get('readOnly') === true, 'locked');
    late.run({ type: 'output', id: 'run-late-001', chunks: [{ stream: 'stdout', text: 'done\n' }] });
    late.run({ type: 'finish', id: 'run-late-001', status: 'ok', durationMs: 3 });
    late.run({ type: 'start', id: 'run-late-002', language: 'javascript' });
    const refused = await nextReply(late, 0);
    assert.deepEqual({ code: refused.code, id: late.runReplies[0]!.id }, { code: 'read_only', id: 'run-late-002' });
    await waitFor(() => runIn(watcher, 'run-late-001')?.status === 'ok', 'the run started before the lock finished');
  });

  it('closes with 4400 on a malformed run message, changing nothing', async () => {
    const { session, watcher } = await room();
    const frames: Uint8Array[] = [
      encodeRunMessage({ type: 'start', id: 'short', language: 'javascript' }),
      encodeRunMessage({ type: 'start', id: 'run-fine-001', language: 'cobol' } as unknown as RunClientMessage),
      encodeRunMessage({ type: 'start', id: 'run-fine-001', language: 'javascript', by: 'Ivy' } as unknown as RunClientMessage),
      encodeRunMessage({ type: 'finish', id: 'run-fine-001', status: 'interrupted', durationMs: 1 } as unknown as RunClientMessage),
      Uint8Array.from([100, 3, 0x7b, 0x7b, 0x7d]),
      Uint8Array.from([100]),
    ];
    for (const frame of frames) {
      const peer = await join(session.id);
      peer.ws.send(frame);
      await waitFor(() => peer.closed() !== null, 'closed');
      assert.equal(peer.closed(), 4400);
    }
    await sleep(50);
    assert.deepEqual(readRunViews(watcher.doc), []);
  });
});

describe('runs left running by a stopped server', () => {
  it('are interrupted when the session loads again', async () => {
    const data = tempDir();
    const env = { STORAGE: 'sqlite', DATA_DIR: data.dir, FLUSH_INTERVAL: '10ms' };
    let server = await startTestServer(env);
    try {
      const session = await create(server.url, { code: 'x' });
      const peer = await runPeer(server.url, session.id, { user: { name: 'Ada' } });
      peer.run({ type: 'start', id: 'run-ada-0001', language: 'javascript' });
      await waitFor(() => readRunViews(server.hub.loaded(session.id)!.doc).length === 1, 'recorded');
      await server.close();
      server = await startTestServer(env);
      const watcher = await connectYjs(server.url, session.id);
      try {
        await waitFor(() => readRunViews(watcher.doc)[0]?.status === 'interrupted', 'interrupted on load');
      } finally {
        watcher.destroy();
      }
    } finally {
      await server.close();
      data.remove();
    }
  });
});
