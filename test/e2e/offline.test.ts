import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../server/server.js';
import { codeOf, createSession, eventually, launchBrowser, openRoomAs, placeCaret, startAppServer, waitForState } from './helpers.js';

let server: RunningServer | null = null;
let browser: Browser;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-offline-'));
const env = { STORAGE: 'sqlite', DATA_DIR: dataDir };

before(async () => {
  server = await startAppServer(env);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a page keeps typing while the server restarts, and both pages converge with nothing lost', async () => {
  const port = server!.port;
  const base = server!.url;
  const starter = 'def solve(items):\n    return sorted(items)\n';
  const session = await createSession(base, { language: 'python', code: starter });
  const alice = await openRoomAs(browser, `${base}${session.url}`, 'Alice');
  const bob = await openRoomAs(browser, `${base}${session.url}`, 'Bob');
  await eventually(async () => (await codeOf(bob)) === starter, 'the starter code');

  await server!.close();
  server = null;
  await waitForState(alice, 'reconnecting');
  await waitForState(bob, 'reconnecting');

  // Both keep typing while the server is down.
  await placeCaret(alice, 'end');
  await alice.keyboard.type('\nprint(solve([3, 1, 2]))  # typed offline\n', { delay: 5 });
  await placeCaret(bob, 'start');
  await bob.keyboard.type('# Bob was offline too\n', { delay: 5 });
  assert.notEqual(await codeOf(alice), await codeOf(bob), 'the pages diverge while the server is down');

  server = await startAppServer(env, port);
  await waitForState(alice, 'connected');
  await waitForState(bob, 'connected');
  await eventually(async () => (await codeOf(alice)) === (await codeOf(bob)), 'the pages to converge');
  const final = await codeOf(alice);
  assert.equal(final, '# Bob was offline too\n' + starter + '\nprint(solve([3, 1, 2]))  # typed offline\n');

  // The merged text reached the server too: a newcomer reads it.
  const carol = await openRoomAs(browser, `${base}${session.url}`, 'Carol');
  await eventually(async () => (await codeOf(carol)) === final, 'a newcomer to read the merged code');
  for (const page of [alice, bob, carol]) await page.context().close();
});
