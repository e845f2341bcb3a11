import { expect, fixture, html } from '@open-wc/testing';
import '../../web/embed.js';
import type { InterviewRoom } from '../../web/components/interview-room.js';
import type { RoomRunResultEvent } from '../../web/components/room-events.js';
import type { CodeRunner, RunRequest, RunResult } from '../../web/runs/runner.js';
import { createSession, part, serverUrl, startServer, statusState, stopServer, until } from './helpers.js';

/** Two connected elements in one new session; `runner` is Alice's. */
async function twoRooms(runner: CodeRunner): Promise<{ alice: InterviewRoom; bob: InterviewRoom }> {
  const base = await serverUrl();
  const session = await createSession(base, { code: 'console.log("hi")\n' });
  const alice = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Alice" .runner=${runner}></interview-room>`);
  const bob = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Bob"></interview-room>`);
  await until(() => statusState(alice) === 'connected' && statusState(bob) === 'connected', 'both connected');
  await alice.updateComplete;
  return { alice, bob };
}

/** Clicks Run and resolves with the `room-run-result` it leads to. */
function run(room: InterviewRoom): Promise<RunResult> {
  const result = new Promise<RunResult>((resolve) => room.addEventListener('room-run-result', (event: RoomRunResultEvent) => resolve(event.detail), { once: true }));
  part<HTMLButtonElement>(room, 'run').click();
  return result;
}

/** The latest run in `room`'s panel, as rendered. */
function latestRun(room: InterviewRoom): { status: string | undefined; output: string } | null {
  const runs = part(room, 'output').querySelectorAll<HTMLElement>('.run');
  const last = runs[runs.length - 1];
  return last ? { status: last.dataset.status, output: last.querySelector('.run-output')?.textContent ?? '' } : null;
}

describe('<interview-room> runs through the run controller', () => {
  it("records a custom runner's run for everyone and reports its result", async () => {
    const requests: RunRequest[] = [];
    const { alice, bob } = await twoRooms({
      run: async (request) => {
        requests.push(request);
        return { status: 'ok', output: 'hi\n', durationMs: 3 };
      },
    });
    const result = await run(alice);
    expect(result).to.deep.equal({ status: 'ok', output: 'hi\n', durationMs: 3 });
    expect(requests).to.deep.equal([{ code: 'console.log("hi")\n', language: 'javascript', timeoutMs: 5000 }]);
    await until(() => latestRun(bob)?.status === 'ok', "Bob's panel to show the finished run");
    expect(latestRun(bob)?.output).to.equal('hi\n');
    await alice.updateComplete;
    expect(part<HTMLButtonElement>(alice, 'run').disabled, 'Run enabled again').to.equal(false);
  });

  it('Stop aborts the run, which is recorded as stopped', async () => {
    const { alice, bob } = await twoRooms({
      run: (_request, signal) =>
        new Promise((resolve) => signal.addEventListener('abort', () => resolve({ status: 'stopped', output: '', durationMs: 1 }))),
    });
    const result = run(alice);
    await alice.updateComplete;
    expect(part<HTMLButtonElement>(alice, 'run').disabled, 'Run disabled while running').to.equal(true);
    part<HTMLButtonElement>(alice, 'stop').click();
    expect((await result).status).to.equal('stopped');
    await alice.updateComplete;
    expect(alice.shadowRoot?.querySelector('[part~="stop"]'), 'Stop gone').to.equal(null);
    await until(() => latestRun(bob)?.status === 'stopped', "Bob's panel to show the stopped run");
    expect(latestRun(bob)?.output).to.contain('Stopped.');
  });

  it('a runner that throws ends the run as an error with the reason', async () => {
    const { alice } = await twoRooms({ run: () => Promise.reject(new Error('boom')) });
    const result = await run(alice);
    expect(result.status).to.equal('error');
    expect(result.output).to.contain('The runner failed: boom');
  });

  it('a run whose connection drops ends as interrupted for everyone, and Run waits for the connection', async () => {
    const { alice, bob } = await twoRooms({
      run: (_request, signal) =>
        new Promise((resolve) => signal.addEventListener('abort', () => resolve({ status: 'stopped', output: '', durationMs: 1 }))),
    });
    try {
      const result = run(alice);
      await until(() => latestRun(bob)?.status === 'running', "Bob's panel to show the run going");
      await stopServer();
      expect((await result).status).to.equal('interrupted');
      await alice.updateComplete;
      expect(part(alice, 'output').querySelector('.run-notice')?.textContent).to.contain('The connection dropped');
      expect(part<HTMLButtonElement>(alice, 'run').disabled, 'no Run while disconnected').to.equal(true);
    } finally {
      await startServer();
    }
    await until(() => statusState(alice) === 'connected' && latestRun(bob)?.status === 'interrupted', 'the run shown interrupted after the restart', 12_000);
    await alice.updateComplete;
    expect(latestRun(alice)?.status).to.equal('interrupted');
    expect(part<HTMLButtonElement>(alice, 'run').disabled, 'Run enabled again').to.equal(false);
  });

  it('a silent run outlasting the provider\'s 30 s of patience, alone in the room, keeps its socket', async function () {
    this.timeout(60_000);
    const base = await serverUrl();
    const session = await createSession(base, { code: 'compute()\n' });
    const runner: CodeRunner = { run: () => new Promise((resolve) => setTimeout(() => resolve({ status: 'ok', output: 'done\n', durationMs: 33_000 }), 33_000)) };
    const alone = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Alone" .runner=${runner}></interview-room>`);
    await until(() => statusState(alone) === 'connected', 'connected');
    await alone.updateComplete;
    // The provider closes a socket that heard nothing for 30 s; nobody else is here to make noise.
    expect((await run(alone)).status).to.equal('ok');
    await until(() => latestRun(alone)?.status === 'ok', 'the run recorded as finished');
    expect(latestRun(alone)?.output).to.equal('done\n');
  });

  it('a cancelled room-run-request runs nothing', async () => {
    let calls = 0;
    const { alice } = await twoRooms({
      run: async () => {
        calls++;
        return { status: 'ok', output: '', durationMs: 0 };
      },
    });
    alice.addEventListener('room-run-request', (event) => event.preventDefault(), { once: true });
    part<HTMLButtonElement>(alice, 'run').click();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).to.equal(0);
    expect(latestRun(alice)).to.equal(null);
  });
});
