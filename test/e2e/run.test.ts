/**
 * Code execution, JavaScript: runs are shared (a second participant sees the output live), the
 * time limit and Stop end runaway code while the page stays usable, the sandbox holds nothing of
 * the page, and output past the cap is cut. Real server, Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { MAX_RUN_OUTPUT } from '../../shared/runs.js';
import { codeOf, createSession, eventually, openRoomAs, startAppServer, useAppAndBrowser } from './helpers.js';
import { lastFinishedRun, renderedRuns, runAndWait, setCode } from './run-helpers.js';

const app = useAppAndBrowser();

/** Sets the element's time limit (the `runTimeout` property, as the `run-timeout` attribute would). */
function setTimeLimit(page: Page, ms: number): Promise<void> {
  return page.locator('interview-room').first().evaluate((el, value) => void ((el as HTMLElement & { runTimeout: number }).runTimeout = value), ms);
}

test('console.log(6 * 7) prints 42 for the runner and for a second participant (Ctrl-Enter runs too)', async () => {
  const session = await createSession(app.server.url, { language: 'javascript', code: '' });
  const ada = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Ada');
  const alan = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Alan');

  const run = await runAndWait(ada, 'console.log(6 * 7)');
  assert.equal(run.status, 'ok');
  assert.equal(run.stdout, '42\n');
  const seen = await lastFinishedRun(alan, 1);
  assert.deepEqual({ by: seen.by, status: seen.status, stdout: seen.stdout }, { by: 'Ada', status: 'ok', stdout: '42\n' });

  // Ctrl-Enter in Alan's editor runs the code he sees; stderr is kept apart from stdout.
  await setCode(alan, 'console.log("out"); console.error("oops"); null.x;');
  await eventually(async () => (await codeOf(alan)).includes('oops'), 'the code on Alan\'s page');
  await alan.locator('interview-room .cm-content').click();
  await alan.keyboard.press('Control+Enter');
  const failed = await lastFinishedRun(alan, 2);
  assert.equal(failed.status, 'error');
  assert.equal(failed.stdout, 'out\n');
  assert.match(failed.stderr, /^oops\nUncaught TypeError: Cannot read properties of null \(reading 'x'\)\n {4}at \(main\.js:1:\d+\)/);
  assert.equal((await lastFinishedRun(ada, 2)).stderr, failed.stderr);
  assert.ok(!(await codeOf(alan)).includes('\n'), 'Ctrl-Enter must not insert a line');

  // Output streams to the others while the run is still going.
  await setCode(ada, 'console.log("first");\nawait new Promise((resolve) => setTimeout(resolve, 1500));\nconsole.log("second");');
  await ada.locator('interview-room [part="run"]').click();
  await eventually(async () => {
    const live = (await renderedRuns(alan))[2];
    return live?.status === 'running' && live.stdout === 'first\n';
  }, 'Alan to see the first line while the run is going');
  assert.equal((await lastFinishedRun(alan, 3)).stdout, 'first\nsecond\n');

  // A late joiner sees the history.
  const late = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Late');
  assert.deepEqual((await renderedRuns(late)).map((r) => r.status), ['ok', 'error', 'ok']);
  await Promise.all([ada, alan, late].map((page) => page.context().close()));
});

test('while (true) {} ends with a time-limit error within the limit + 2 s, and typing still works meanwhile', async () => {
  const session = await createSession(app.server.url, { language: 'javascript', code: '' });
  const page = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Ada');
  await setTimeLimit(page, 2_000);
  await setCode(page, 'while (true) {}\n');
  const started = Date.now();
  await page.locator('interview-room [part="run"]').click();
  await page.locator('interview-room [part="stop"]').waitFor();
  // The loop runs in the sandbox's worker: the page takes keystrokes while it spins.
  await page.locator('interview-room .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('// typed while running');
  assert.match(await codeOf(page), /typed while running/);
  const run = await lastFinishedRun(page, 1, 6_000);
  const elapsed = Date.now() - started;
  assert.equal(run.status, 'timeout');
  assert.match(run.output, /Time limit exceeded: stopped after 2 s/);
  assert.ok(elapsed < 2_000 + 2_000, `timed out after ${elapsed} ms`);

  // Stop ends a run at once; the next run works in a fresh worker.
  await setTimeLimit(page, 30_000);
  await setCode(page, 'setInterval(() => console.log("tick"), 50);');
  await page.locator('interview-room [part="run"]').click();
  await eventually(async () => ((await renderedRuns(page))[1]?.stdout ?? '').includes('tick'), 'ticks');
  await page.locator('interview-room [part="stop"]').click();
  assert.equal((await lastFinishedRun(page, 2, 3_000)).status, 'stopped');
  assert.equal((await runAndWait(page, 'console.log(typeof globalThis.leftover); globalThis.leftover = 1;')).stdout, 'undefined\n');
  assert.equal((await runAndWait(page, 'console.log(typeof globalThis.leftover)')).stdout, 'undefined\n', 'each run gets a fresh worker');
  await page.context().close();
});

test('JavaScript in the sandbox gets nothing of the page: parent, cookies, storage, IndexedDB, credentialed API calls', async () => {
  const session = await createSession(app.server.url, { language: 'javascript', code: '', password: 'correct horse battery' });
  const page = await openRoomAs(app.browser, `${app.server.url}${session.interviewerUrl}`, 'Ada');
  await page.context().addCookies([{ name: 'page-secret', value: 'COOKIE-SECRET-1', url: app.server.url }]);
  await page.evaluate(() => localStorage.setItem('secret-item', 'STORAGE-SECRET-2'));
  const code = `
const attempt = async (name, get) => {
  try { console.log(name + ': ' + String(await get())); } catch (e) { console.log(name + ': blocked (' + e.name + ')'); }
};
await attempt('parent.document', () => parent.document.cookie);
await attempt('top', () => self.top.document.body.innerHTML);
await attempt('document.cookie', () => document.cookie);
await attempt('localStorage', () => localStorage.getItem('secret-item'));
await attempt('sessionStorage', () => sessionStorage.length);
await attempt('indexedDB', () => indexedDB.open('probe'));
await attempt('caches', () => caches.keys());
await attempt('origin', () => self.origin);
const api = ${JSON.stringify(`${app.server.url}/api/sessions/${session.id}/code`)};
await attempt('fetch', async () => (await fetch(api, { credentials: 'include' })).status);
await attempt('plain fetch', async () => (await fetch(api)).status);
`;
  const run = await runAndWait(page, code);
  if (process.env.SHOW_RUNS) console.log(run.output);
  const lines = Object.fromEntries(run.stdout.trim().split('\n').map((line) => line.split(': ') as [string, string]));
  assert.match(lines['parent.document']!, /^blocked/);
  assert.match(lines.top!, /^blocked/);
  assert.match(lines['document.cookie']!, /^blocked/);
  assert.match(lines.localStorage!, /^blocked/);
  assert.match(lines.sessionStorage!, /^blocked/);
  assert.match(lines.indexedDB!, /^blocked/);
  assert.match(lines.caches!, /^blocked/);
  assert.equal(lines.origin, 'null');
  // The private session's API refuses the sandbox: it has no token and sends no cookie that counts.
  assert.match(lines.fetch!, /^(401|blocked)/);
  assert.equal(lines['plain fetch'], '401');
  assert.doesNotMatch(run.output, /COOKIE-SECRET-1|STORAGE-SECRET-2/);
  await page.context().close();
});

test('output past the cap is cut with a notice, and the room stays usable', async () => {
  const session = await createSession(app.server.url, { language: 'javascript', code: '' });
  const page = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Ada');
  const run = await runAndWait(page, 'for (let i = 0; i < 200000; i++) console.log("line " + i);');
  assert.equal(run.status, 'ok');
  assert.equal(run.stdout.length, MAX_RUN_OUTPUT);
  assert.match(run.output, /output cut at 64 KB/);
  const runs = (await (await fetch(`${app.server.url}/api/sessions/${session.id}/runs`)).json()) as { runs: { truncated: boolean; status: string }[] };
  assert.deepEqual({ truncated: runs.runs[0]?.truncated, status: runs.runs[0]?.status }, { truncated: true, status: 'ok' });
  await page.locator('interview-room .cm-content').click();
  await page.keyboard.type('x');
  assert.equal((await runAndWait(page, 'console.log("still here")')).stdout, 'still here\n');
  // Output is text: markup printed by a program is shown, never parsed.
  const markup = '<img src=x onerror="document.title=1"><b>bold</b>';
  assert.equal((await runAndWait(page, `console.log(${JSON.stringify(markup)})`)).stdout, `${markup}\n`);
  assert.equal(await page.locator('interview-room .run-output b, interview-room .run-output img').count(), 0);
  await page.context().close();
});

test('the runner frame has its own sandboxing CSP; Pyodide is served cross-origin with long caching, and nothing else of its package', async () => {
  const frame = await fetch(`${app.server.url}/runner/frame.html`);
  assert.equal(frame.status, 200);
  const csp = frame.headers.get('content-security-policy') ?? '';
  assert.match(csp, /sandbox allow-scripts/);
  assert.match(csp, /frame-ancestors \*/);
  assert.match(csp, /worker-src data:/);
  assert.equal(frame.headers.get('x-frame-options'), null);
  const script = /src="(\/runner\/frame-[^"]+\.js)"/.exec(await frame.text())?.[1];
  assert.ok(script, 'frame.html loads a hashed script');
  assert.match((await fetch(`${app.server.url}${script}`)).headers.get('cache-control') ?? '', /immutable/);

  const { pyodidePackage } = await import('../../server/http/runner-routes.js');
  const base = `${app.server.url}/pyodide/${pyodidePackage().version}`;
  const mjs = await fetch(`${base}/pyodide.mjs`, { headers: { origin: 'null' } });
  assert.equal(mjs.status, 200);
  assert.equal(mjs.headers.get('access-control-allow-origin'), '*');
  assert.match(mjs.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
  assert.match(mjs.headers.get('content-type') ?? '', /javascript/);
  assert.equal((await fetch(`${base}/pyodide.asm.wasm`, { method: 'HEAD' })).headers.get('content-type'), 'application/wasm');
  assert.equal((await fetch(`${base}/README.md`)).status, 404);
  assert.equal((await fetch(`${base}/console.html`)).status, 404);

  const listed = await startAppServer({ ALLOWED_ORIGINS: 'https://a.example,https://b.example' });
  try {
    const headers = (await fetch(`${listed.url}/runner/frame.html`)).headers;
    assert.match(headers.get('content-security-policy') ?? '', /frame-ancestors 'self' https:\/\/a\.example https:\/\/b\.example/);
  } finally {
    await listed.close();
  }
});
