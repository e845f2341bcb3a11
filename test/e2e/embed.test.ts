import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../server/server.js';
import { codeOf, createSession, eventually, launchBrowser, openPageAs, placeCaret, startAppServer, waitForState, watchForProblems } from './helpers.js';

let server: RunningServer;
let site: http.Server;
let siteUrl: string;
let browser: Browser;

before(async () => {
  server = await startAppServer();
  // A second origin (another port) that serves the example page, pointed at the test server.
  const page = fs.readFileSync(path.resolve('examples', 'embed.html'), 'utf8').replaceAll('http://localhost:3000', server.url);
  site = http.createServer((req, res) => {
    if (req.url?.startsWith('/embed.html')) res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    else if (req.url === '/favicon.ico') res.writeHead(204).end(); // not a console error
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  site?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve));
  await server?.close();
});

test('the embed example works from a second origin', async () => {
  assert.notEqual(new URL(siteUrl).origin, new URL(server.url).origin);
  const code = 'function hello() {\n  return "from the service";\n}\n';
  const session = await createSession(server.url, { code });

  const embedded = await (await browser.newContext()).newPage();
  // The bundle and API come from the service (helmet headers, CORP, CSP on its own pages): no
  // violation, no error, on the embedding page.
  const problems = await watchForProblems(embedded);
  await embedded.goto(`${siteUrl}/embed.html?session=${session.id}`);
  await waitForState(embedded, 'connected');
  assert.equal(await codeOf(embedded), code);
  // The page's own listener saw the status event.
  await embedded.locator('#events', { hasText: 'status: connected' }).waitFor();

  // Edits from the embedding site reach a participant in the service's own room page, and back.
  // A participant in the service's own room page, which runs under the service's CSP.
  const { page: room, problems: roomProblems } = await openPageAs(browser, 'Interviewer');
  await room.goto(`${server.url}${session.url}`);
  await waitForState(room, 'connected');
  await placeCaret(embedded, 'end');
  await embedded.keyboard.type('hello();\n');
  await eventually(async () => (await codeOf(room)) === code + 'hello();\n', 'the embedded edit in the room');
  await embedded.locator('interview-room [part="participants"] li .name', { hasText: 'Interviewer' }).waitFor();
  assert.equal(await embedded.locator('#room').getAttribute('data-participants'), '2');

  // Without ?session= the example creates a session through the API (cross-origin fetch).
  const fresh = await embedded.context().newPage();
  const freshProblems = await watchForProblems(fresh);
  await fresh.goto(`${siteUrl}/embed.html`);
  await waitForState(fresh, 'connected');
  assert.match(new URL(fresh.url()).search, /^\?session=[0-9a-f-]{36}$/);
  assert.deepEqual(await problems(), []);
  assert.deepEqual(await freshProblems(), []);
  assert.deepEqual(await roomProblems(), []);
  await embedded.context().close();
  await room.context().close();
});
