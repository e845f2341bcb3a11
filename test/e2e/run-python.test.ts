/**
 * Code execution, Python (Pyodide served by our server, downloaded once for this file; each run gets
 * a fresh interpreter): output, tracebacks, the sandbox seen through Pyodide's `js` module, and an
 * endless loop stopped by the time limit with the page still usable. Real server, Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/server.js';
import { codeOf, createSession, eventually, launchBrowser, openRoomAs, startAppServer } from './helpers.js';
import { lastFinishedRun, renderedRuns, runAndWait, setCode } from './run-helpers.js';

let server: RunningServer;
let browser: Browser;
let page: Page;
let session: { id: string; url: string; interviewerUrl: string };

before(async () => {
  server = await startAppServer();
  browser = await launchBrowser();
  session = await createSession(server.url, { language: 'python', code: '', password: 'correct horse battery' });
  page = await openRoomAs(browser, `${server.url}${session.interviewerUrl}`, 'Ada');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('print(sum(range(10))) prints 45 (first run loads the runtime, with progress shown)', async () => {
  const progress: string[] = [];
  await page.exposeFunction('__progress', (text: string) => progress.push(text));
  await page.locator('interview-room').evaluate((el) => {
    new MutationObserver(() => {
      const text = el.shadowRoot?.querySelector('.run-progress')?.textContent;
      if (text) (globalThis as unknown as { __progress(t: string): void }).__progress(text);
    }).observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true });
  });
  const run = await runAndWait(page, 'print(sum(range(10)))', 'python', 60_000);
  assert.equal(run.status, 'ok');
  assert.equal(run.stdout, '45\n');
  assert.ok(progress.some((text) => /Loading the Python runtime/.test(text)), `progress shown: ${JSON.stringify(progress.slice(0, 3))}`);
});

test('a raised exception shows its traceback with the line numbers of the code', async () => {
  const run = await runAndWait(page, 'def f(x):\n    return 1 / x\n\nprint("before")\nf(0)\n', 'python', 60_000);
  assert.equal(run.status, 'error');
  assert.equal(run.stdout, 'before\n');
  assert.match(run.stderr, /Traceback \(most recent call last\):\n {2}File "main\.py", line 5, in <module>\n/);
  assert.match(run.stderr, /File "main\.py", line 2, in f\n {4}return 1 \/ x/);
  assert.match(run.stderr, /ZeroDivisionError: division by zero\n$/);
  assert.doesNotMatch(run.stderr, /_pyodide|_ir_run/, 'the runner\'s own frames are hidden');
});

test('Python through the js module gets nothing of the page', async () => {
  await page.context().addCookies([{ name: 'page-secret', value: 'COOKIE-SECRET-1', url: server.url }]);
  await page.evaluate(() => localStorage.setItem('secret-item', 'STORAGE-SECRET-2'));
  const api = `${server.url}/api/sessions/${session.id}/code`;
  const code = `
import js
def attempt(name, get):
    try:
        print(name + ": " + str(get()))
    except Exception as e:
        print(name + ": blocked (" + type(e).__name__ + ")")

def request(credentials):
    xhr = js.XMLHttpRequest.new()
    xhr.open("GET", ${JSON.stringify(api)}, False)
    xhr.withCredentials = credentials
    xhr.send()
    return xhr.status

attempt("parent.document", lambda: js.parent.document.cookie)
attempt("document.cookie", lambda: js.document.cookie)
attempt("localStorage", lambda: js.localStorage.getItem("secret-item"))
attempt("indexedDB", lambda: js.indexedDB.open("probe"))
attempt("origin", lambda: js.origin)
attempt("fetch", lambda: request(True))
attempt("plain fetch", lambda: request(False))
`;
  const run = await runAndWait(page, code, 'python', 60_000);
  const lines = Object.fromEntries(run.stdout.trim().split('\n').map((line) => line.split(': ') as [string, string]));
  assert.match(lines['parent.document']!, /^blocked/);
  assert.match(lines['document.cookie']!, /^blocked/);
  assert.match(lines.localStorage!, /^blocked/);
  assert.match(lines.indexedDB!, /^blocked/);
  assert.equal(lines.origin, 'null');
  assert.match(lines.fetch!, /^(401|blocked)/);
  assert.equal(lines['plain fetch'], '401');
  assert.doesNotMatch(run.output, /COOKIE-SECRET-1|STORAGE-SECRET-2/);
});

test('an endless Python loop is stopped at the time limit; the page stays usable and Python runs again', async () => {
  await page.locator('interview-room').evaluate((el) => void ((el as HTMLElement & { runTimeout: number }).runTimeout = 2_000));
  const before = (await renderedRuns(page)).length;
  await setCode(page, 'print("spinning")\nwhile True:\n    pass\n', 'python');
  await page.locator('interview-room [part="run"]').click();
  // Every run gets a fresh interpreter: this one may wait for the spare to finish loading first.
  await eventually(async () => (await renderedRuns(page))[before]?.stdout === 'spinning\n', 'the program to start', 60_000);
  const started = Date.now();
  await page.locator('interview-room .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('# typed while running');
  assert.match(await codeOf(page), /typed while running/);
  const run = await lastFinishedRun(page, before + 1, 8_000);
  assert.equal(run.status, 'timeout');
  assert.equal(run.stdout, 'spinning\n');
  assert.ok(Date.now() - started < 2_000 + 2_000, `stopped ${Date.now() - started} ms after it printed`);
  // The killed worker is replaced by a fresh one, which loads the runtime from the frame's copy.
  assert.equal((await runAndWait(page, 'print("again")', 'python', 60_000)).stdout, 'again\n');
});
