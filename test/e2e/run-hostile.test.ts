/**
 * Code that attacks the runner itself (issue #15, item 7): a program that patches its runtime so
 * that the next run in the same tab lies. Both languages, real server, Debian's Chromium, the
 * built sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createSession, openRoomAs, useAppAndBrowser } from './helpers.js';
import { runAndWait } from './run-helpers.js';

const app = useAppAndBrowser();

describe('JavaScript against the runner', () => {
  let page: Page;
  before(async () => {
    const session = await createSession(app.server.url, { language: 'javascript', code: '' });
    page = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Mallory');
  });
  after(() => page.context().close());

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
  before(async () => {
    const session = await createSession(app.server.url, { language: 'python', code: '' });
    page = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Mallory');
    assert.equal((await runAndWait(page, 'print("loaded")', 'python', 60_000)).stdout, 'loaded\n');
  });
  after(() => page.context().close());

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
