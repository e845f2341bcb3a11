/**
 * Code that attacks the runner itself (issue #15, item 7): a program that grabs the runner's
 * channel to post fake system lines and a fake "ok" for its own run, and a program that patches
 * its runtime so that the next run in the same tab lies. Both languages, real server, Debian's
 * Chromium, the built sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createSession, openRoomAs, useAppAndBrowser } from './helpers.js';
import { runAndWait } from './run-helpers.js';

const app = useAppAndBrowser();

/**
 * JavaScript that tries every way it has to the runner's port to the frame: `MessagePort`'s
 * `postMessage` (and `call`/`apply`/`Reflect.apply`, in case the runner went through them) catch
 * the port the first time the runner posts with it; then it posts, in both the old and the
 * current message shapes, a system line and an "ok" end with a 1 ms duration. It also posts the
 * same on its own worker scope.
 */
const FORGE_JS = `(() => {
  let caught = null;
  const forge = (port) => {
    if (caught) return;
    caught = port;
    const real = forge.post;
    for (const message of [
      { type: 'output', runId: forge.runId, stream: 'system', text: 'FORGED system line\\n' },
      { type: 'output', stream: 'system', text: 'FORGED system line\\n' },
      { type: 'done', runId: forge.runId, status: 'ok', durationMs: 1 },
      { type: 'exit', status: 'ok' },
      { type: 'done', status: 'ok', durationMs: 1 },
    ]) real.call(port, message);
  };
  forge.post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (message, ...rest) {
    if (message && typeof message.runId === 'string') forge.runId = message.runId;
    forge(this);
    return forge.post.call(this, message, ...rest);
  };
  const call = Function.prototype.call;
  const apply = Function.prototype.apply;
  const reflect = Reflect.apply;
  const seen = (value) => { if (value instanceof MessagePort) forge(value); };
  Function.prototype.call = function (self, ...args) { seen(self); args.forEach(seen); return reflect(this, self, args); };
  Function.prototype.apply = function (self, args) { seen(self); return reflect(this, self, args ?? []); };
  Reflect.apply = (fn, self, args) => { seen(self); return reflect(fn, self, args); };
  for (const message of [{ type: 'done', status: 'ok', durationMs: 1 }, { type: 'exit', status: 'ok' }]) self.postMessage(message);
})();`;

/** Reads the run records of `sessionId` over REST (what the server keeps: status and duration). */
async function storedRuns(base: string, sessionId: string): Promise<{ status: string; durationMs?: number }[]> {
  const res = await fetch(`${base}/api/sessions/${sessionId}/runs`);
  return ((await res.json()) as { runs: { status: string; durationMs?: number }[] }).runs;
}

describe('JavaScript against the runner', () => {
  let page: Page;
  let session: { id: string; url: string };
  before(async () => {
    session = await createSession(app.server.url, { language: 'javascript', code: '' });
    page = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Mallory');
  });
  after(() => page.context().close());

  test('cannot post system lines or an "ok" end for its own failing run', async () => {
    const code = `${FORGE_JS}
console.log('hello');
const until = performance.now() + 300;
while (performance.now() < until) {}
throw new Error('the real outcome');
`;
    const run = await runAndWait(page, code);
    assert.doesNotMatch(run.output, /FORGED/);
    assert.equal(run.stdout, 'hello\n');
    assert.match(run.stderr, /Error: the real outcome/);
    assert.equal(run.status, 'error');
    const [stored] = (await storedRuns(app.server.url, session.id)).slice(-1);
    assert.equal(stored?.status, 'error');
    assert.ok((stored?.durationMs ?? 0) >= 300, `the frame's own duration, not the forged 1 ms: ${stored?.durationMs}`);
  });

  test('a patched global or prototype is not seen by the next run', async () => {
    const planted = await runAndWait(
      page,
      `console.log('planted');
Array.prototype.join = () => 'forged'; JSON.stringify = () => '"forged"'; Object.prototype.planted = 1;
globalThis.planted = 1; String.prototype.toString = () => 'forged';`,
    );
    assert.equal(planted.stdout, 'planted\n');
    const next = await runAndWait(page, `console.log(JSON.stringify([1]), [1, 2].join('-'), 'planted' in globalThis, ({}).planted, 'ab'.toString())`);
    assert.equal(next.stdout, '[1] 1-2 false undefined ab\n');
  });
});

describe('Python against the runner', () => {
  let page: Page;
  let session: { id: string; url: string };
  before(async () => {
    session = await createSession(app.server.url, { language: 'python', code: '' });
    page = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Mallory');
    assert.equal((await runAndWait(page, 'print("loaded")', 'python', 60_000)).stdout, 'loaded\n');
  });
  after(() => page.context().close());

  test('cannot post system lines or an "ok" end for its own failing run (through the js module)', async () => {
    const code = `import js, time
js.eval(${JSON.stringify(FORGE_JS)})
print("hello")
time.sleep(0.3)
raise RuntimeError("the real outcome")
`;
    const run = await runAndWait(page, code, 'python', 60_000);
    assert.doesNotMatch(run.output, /FORGED/);
    assert.equal(run.stdout, 'hello\n');
    assert.match(run.stderr, /RuntimeError: the real outcome/);
    assert.equal(run.status, 'error');
    const [stored] = (await storedRuns(app.server.url, session.id)).slice(-1);
    assert.ok((stored?.durationMs ?? 0) >= 300, `the frame's own duration, not the forged 1 ms: ${stored?.durationMs}`);
  });

  test('a patched print, patched modules and JS globals are not seen by the next run', async () => {
    const planted = await runAndWait(
      page,
      `import builtins, json, math, sys, js
_print = builtins.print
print("planted")
builtins.print = lambda *args, **kwargs: _print("All tests passed")
json.dumps = lambda *args, **kwargs: "forged"
math.pi = 3
sys.modules["planted"] = type(sys)("planted")
js.eval("globalThis.planted = 1; TextDecoder.prototype.decode = () => 'All tests passed\\\\n'")
`,
      'python',
      60_000,
    );
    assert.equal(planted.stdout, 'planted\n');
    const next = await runAndWait(page, 'import json, math, sys, js\nprint(json.dumps([1]), math.pi, "planted" in sys.modules, hasattr(js, "planted"))\n', 'python', 60_000);
    assert.equal(next.stdout, '[1] 3.141592653589793 False False\n');
    assert.equal(next.status, 'ok');
  });
});
