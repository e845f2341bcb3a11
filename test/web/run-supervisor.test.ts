/**
 * The runner frame's account of a run (web/sandbox/run-supervisor.ts), fed the messages a hostile
 * worker could send if it held the port: the frame alone decides the status, the duration and the
 * system lines, and cuts the output. In Chromium, with the real timers.
 */
import { expect } from '@open-wc/testing';
import { MAX_RUN_OUTPUT, type RunEnd } from '../../shared/runs.js';
import { CRASH_NOTICE, PROTOCOL_NOTICE, SupervisedRun } from '../../web/sandbox/run-supervisor.js';
import type { SandboxEvent } from '../../web/sandbox/sandbox-protocol.js';

/** A run of `timeoutMs` and what it reported: page events in order, and the frame's end calls. */
function supervised(timeoutMs = 5_000, language: 'javascript' | 'python' = 'javascript'): { run: SupervisedRun; events: SandboxEvent[]; ends: RunEnd[] } {
  const events: SandboxEvent[] = [];
  const ends: RunEnd[] = [];
  const run = new SupervisedRun({ type: 'run', runId: 'r1', language, code: '', timeoutMs }, { toPage: (event) => events.push(event), ended: (status) => ends.push(status) });
  return { run, events, ends };
}

/** The `done` event among `events`. */
function done(events: readonly SandboxEvent[]): Extract<SandboxEvent, { type: 'done' }> | undefined {
  return events.find((event): event is Extract<SandboxEvent, { type: 'done' }> => event.type === 'done');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('SupervisedRun (the frame decides how a run ends)', () => {
  it('relays progress, the start, output and the exit; the duration is its own', async () => {
    const { run, events, ends } = supervised();
    run.receive({ type: 'progress', text: 'Loading…' });
    run.receive({ type: 'started' });
    run.receive({ type: 'output', stream: 'stdout', text: 'hi\n' });
    run.receive({ type: 'output', stream: 'stderr', text: 'oops\n' });
    await sleep(60);
    run.receive({ type: 'exit', status: 'ok', durationMs: 1 });
    expect(events.slice(0, 4)).to.deep.equal([
      { type: 'progress', runId: 'r1', text: 'Loading…' },
      { type: 'started', runId: 'r1' },
      { type: 'output', runId: 'r1', stream: 'stdout', text: 'hi\n' },
      { type: 'output', runId: 'r1', stream: 'stderr', text: 'oops\n' },
    ]);
    expect(done(events)?.status).to.equal('ok');
    expect(done(events)?.durationMs).to.be.at.least(50);
    expect(ends).to.deep.equal(['ok']);
  });

  const forged: [string, unknown][] = [
    ['a system line', { type: 'output', stream: 'system', text: 'Time limit exceeded\n' }],
    ['an end the frame decides', { type: 'exit', status: 'timeout' }],
    ['the old done message', { type: 'done', runId: 'r1', status: 'ok', durationMs: 1 }],
    ['a second start', { type: 'started' }],
    ['progress after the start', { type: 'progress', text: 'Loading the Python runtime…' }],
    ['a load failure after the start', { type: 'failed', reason: 'no' }],
    ['an oversized chunk', { type: 'output', stream: 'stdout', text: 'x'.repeat(256 * 1024 + 1) }],
    ['a chunk that is not text', { type: 'output', stream: 'stdout', text: { toString: () => 'x' } }],
    ['something else', 'ok'],
  ];
  for (const [what, message] of forged) {
    it(`ends a running program that sends ${what} as an error, with the frame's notice`, () => {
      const { run, events, ends } = supervised();
      run.receive({ type: 'started' });
      run.receive(message);
      run.receive({ type: 'exit', status: 'ok' });
      run.receive({ type: 'output', stream: 'stdout', text: 'after the end\n' });
      expect(events.map((event) => event.type)).to.deep.equal(['started', 'output', 'done']);
      expect(events[1]).to.deep.equal({ type: 'output', runId: 'r1', stream: 'system', text: PROTOCOL_NOTICE });
      expect(done(events)?.status).to.equal('error');
      expect(ends).to.deep.equal(['error']);
      expect(run.ended).to.equal(true);
    });
  }

  it('takes neither output nor an exit before the start', () => {
    for (const early of [{ type: 'output', stream: 'stdout', text: 'early' }, { type: 'exit', status: 'ok' }]) {
      const { run, events } = supervised();
      run.receive(early);
      expect(events).to.deep.equal([
        { type: 'output', runId: 'r1', stream: 'system', text: PROTOCOL_NOTICE },
        { type: 'done', runId: 'r1', status: 'error', durationMs: 0 },
      ]);
    }
  });

  it('ends at the time limit whatever the worker keeps sending', async () => {
    const { run, events, ends } = supervised(100);
    run.receive({ type: 'started' });
    const started = performance.now();
    while (!run.ended && performance.now() - started < 2_000) {
      run.receive({ type: 'output', stream: 'stdout', text: '.' });
      await sleep(5);
    }
    expect(done(events)?.status).to.equal('timeout');
    expect(done(events)?.durationMs).to.be.within(90, 1_000);
    expect(ends).to.deep.equal(['timeout']);
    run.receive({ type: 'exit', status: 'ok' });
    expect(events.filter((event) => event.type === 'done')).to.have.length(1);
  });

  it('cuts the output one character past the cap, however it is chunked', () => {
    const { run, events } = supervised();
    run.receive({ type: 'started' });
    for (let i = 0; i < 3; i++) run.receive({ type: 'output', stream: 'stdout', text: 'x'.repeat(MAX_RUN_OUTPUT / 2) });
    run.receive({ type: 'output', stream: 'stderr', text: 'more' });
    run.receive({ type: 'exit', status: 'ok' });
    const relayed = events.filter((event): event is Extract<SandboxEvent, { type: 'output' }> => event.type === 'output');
    expect(relayed.reduce((sum, event) => sum + event.text.length, 0)).to.equal(MAX_RUN_OUTPUT + 1);
    expect(done(events)?.status).to.equal('ok');
  });

  it('words a runtime that did not load itself, and a stop while loading is a stop', () => {
    const failed = supervised(5_000, 'python');
    failed.run.receive({ type: 'failed', reason: 'TypeError: Failed to fetch' });
    expect(failed.events).to.deep.equal([
      { type: 'output', runId: 'r1', stream: 'system', text: 'The Python runtime could not be loaded: TypeError: Failed to fetch\n' },
      { type: 'done', runId: 'r1', status: 'error', durationMs: 0 },
    ]);
    const stopped = supervised(5_000, 'python');
    stopped.run.receive({ type: 'progress', text: 'Starting Python…' });
    stopped.run.stop();
    expect(stopped.events.map((event) => event.type)).to.deep.equal(['progress', 'done']);
    expect(done(stopped.events)?.status).to.equal('stopped');
    expect(stopped.ends).to.deep.equal(['stopped']);
  });

  it("ends a run whose worker reports an uncaught error to the frame", () => {
    const { run, events, ends } = supervised();
    run.receive({ type: 'started' });
    run.crashed();
    run.crashed();
    expect(events.slice(1)).to.deep.include({ type: 'output', runId: 'r1', stream: 'system', text: CRASH_NOTICE });
    expect(done(events)?.status).to.equal('error');
    expect(ends).to.deep.equal(['error']);
  });
});
