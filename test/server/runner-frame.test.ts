/**
 * The runner frame's HTML carries its sandboxing CSP under every spelling of its URL: a frame page
 * served without `sandbox allow-scripts` (say `/runner//frame.html` in a plain `<iframe>` or a new
 * tab) would run with this server's origin, next to the app's storage. Raw HTTP requests, since
 * `fetch` would normalize most of these paths before sending them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, tempDir } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** A marker only the frame's HTML holds, so a test knows when a response is that page. */
const FRAME_MARKER = '<title>Code runner</title>';

/** Spellings that reach, or might reach, the frame's file through some handler. */
const SPELLINGS = [
  '/runner/frame.html',
  '/runner//frame.html',
  '//runner/frame.html',
  '//runner//frame.html',
  '/runner///frame.html',
  '/runner/./frame.html',
  '/./runner/frame.html',
  '/runner/../runner/frame.html',
  '/assets/../runner/frame.html',
  '/runner/%2e/frame.html',
  '/runner/frame%2ehtml',
  '/runner/%66rame.html',
  '/%72unner/frame.html',
  '/runner%2fframe.html',
  '/runner%2Fframe.html',
  '/Runner/frame.html',
  '/RUNNER/FRAME.HTML',
  '/runner/frame.HTML',
  '/runner/frame.html.',
  '/runner/frame.html/',
  '/runner/frame.html/.',
  '/runner/frame.html?',
  '/runner/frame.html?x=1',
  '/runner//frame.html?x=1',
  '/runner/frame.html;x',
  '/runner/frame.html%00',
  '/runner/frame.html%20',
  '/runner/frame.htm',
  '/runner/frame',
  '/runner/',
  '/runner',
];

interface Answer {
  status: number;
  csp: string;
  cacheControl: string;
  xFrameOptions: string | undefined;
  body: string;
}

function request(base: string, rawPath: string, method = 'GET'): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: rawPath, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          csp: String(res.headers['content-security-policy'] ?? ''),
          cacheControl: String(res.headers['cache-control'] ?? ''),
          xFrameOptions: res.headers['x-frame-options'] as string | undefined,
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the runner frame under every spelling of its URL', () => {
  let server: Server;
  let web: { dir: string; remove: () => void };
  before(async () => {
    // A built web root like `npm run build` makes: the app shell, and the runner's page and script.
    web = tempDir('runner-frame-');
    fs.mkdirSync(path.join(web.dir, 'runner'));
    fs.mkdirSync(path.join(web.dir, 'assets'));
    fs.writeFileSync(path.join(web.dir, 'index.html'), '<!doctype html><title>App</title>');
    const frame = fs.readFileSync(path.join(import.meta.dirname, '../../web/sandbox/frame.html'), 'utf8');
    assert.ok(frame.includes(FRAME_MARKER), 'the marker is in web/sandbox/frame.html');
    fs.writeFileSync(path.join(web.dir, 'runner', 'frame.html'), frame.replace('/runner/frame.js', '/runner/frame-TEST.js'));
    fs.writeFileSync(path.join(web.dir, 'runner', 'frame-TEST.js'), '// frame script\n');
    server = await startTestServer({}, { webRoot: web.dir });
  });
  after(async () => {
    await server.close();
    web.remove();
  });

  it('serves the frame at its own URL with the sandboxing CSP, framable, not cached', async () => {
    const answer = await request(server.url, '/runner/frame.html');
    assert.equal(answer.status, 200);
    assert.ok(answer.body.includes(FRAME_MARKER));
    assert.match(answer.csp, /(^|; )sandbox allow-scripts(;|$)/);
    assert.equal(answer.xFrameOptions, undefined);
    assert.equal(answer.cacheControl, 'no-cache');
    const script = await request(server.url, '/runner/frame-TEST.js');
    assert.equal(script.status, 200);
    assert.match(script.cacheControl, /immutable/);
  });

  for (const method of ['GET', 'HEAD']) {
    it(`${method}: every response carrying the frame's HTML carries the sandbox too`, async () => {
      const unsandboxed: string[] = [];
      let served = 0;
      for (const spelling of SPELLINGS) {
        const answer = await request(server.url, spelling, method);
        // A HEAD has no body: judge it by the GET of the same spelling.
        const isFrame = method === 'GET' ? answer.body.includes(FRAME_MARKER) : (await request(server.url, spelling)).body.includes(FRAME_MARKER);
        if (!isFrame) continue;
        served += 1;
        if (!/(^|; )sandbox allow-scripts(;|$)/.test(answer.csp)) unsandboxed.push(`${spelling} → ${answer.status}, CSP ${JSON.stringify(answer.csp)}`);
      }
      assert.ok(served >= 1, 'the frame is served at least at its own URL');
      assert.deepEqual(unsandboxed, [], 'the frame served without `sandbox allow-scripts`');
    });
  }

  it('leaves the app shell its own policy', async () => {
    for (const spelling of ['/', '/index.html', '//index.html']) {
      const answer = await request(server.url, spelling);
      assert.equal(answer.status, 200, spelling);
      assert.ok(answer.body.includes('<title>App</title>'), spelling);
      assert.doesNotMatch(answer.csp, /sandbox/, spelling);
      assert.match(answer.csp, /frame-ancestors 'self'/, spelling);
    }
  });
});
