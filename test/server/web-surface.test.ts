import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { create } from './helpers/access.js';
import { startTestServer, tempDir } from './helpers/server.js';

describe('web surface', () => {
  it('sends security headers and a CSP on real responses', async () => {
    const server = await startTestServer();
    try {
      for (const url of [`${server.url}/`, `${server.url}/api/sessions/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f`, `${server.url}/embed/interview-room.js`]) {
        const res = await fetch(url);
        const csp = res.headers.get('content-security-policy') ?? '';
        assert.match(csp, /default-src 'self'/, url);
        assert.match(csp, /script-src 'self'(;|$)/, `${url}: no inline or remote scripts`);
        assert.match(csp, /object-src 'none'/);
        assert.match(csp, /frame-ancestors 'self'/);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
        // Other sites load the embed bundle, so resources are shareable cross-origin.
        assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
        assert.equal(res.headers.get('x-powered-by'), null);
        await res.arrayBuffer();
      }
    } finally {
      await server.close();
    }
  });

  it('checks the WebSocket Origin against ALLOWED_ORIGINS', async () => {
    const server = await startTestServer({ ALLOWED_ORIGINS: 'https://good.example' });
    try {
      const session = await create(server.url);
      const status = (origin: string) =>
        new Promise<number | 'open'>((resolve) => {
          const ws = new WebSocket(`${server.url.replace('http', 'ws')}/yjs/${session.id}`, { origin });
          ws.on('open', () => {
            ws.close();
            resolve('open');
          });
          ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.on('error', () => undefined);
        });
      assert.equal(await status('https://evil.example'), 403);
      assert.equal(await status('https://good.example'), 'open');
      const cors = await fetch(`${server.url}/api/sessions/${session.id}`, { headers: { origin: 'https://evil.example' } });
      assert.equal(cors.headers.get('access-control-allow-origin'), null);
      const allowed = await fetch(`${server.url}/api/sessions/${session.id}`, { headers: { origin: 'https://good.example' } });
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://good.example');
      // The embedded element locks and ends sessions from the embedding page: PATCH and DELETE preflights pass.
      const preflight = await fetch(`${server.url}/api/sessions/${session.id}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://good.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, content-type' },
      });
      assert.equal(preflight.status, 204);
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PATCH/);
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /DELETE/);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
    } finally {
      await server.close();
    }
  });

  it('serves HTTPS and WSS directly when TLS_CERT and TLS_KEY are set', async () => {
    const dir = tempDir();
    const cert = path.join(dir.dir, 'cert.pem');
    const key = path.join(dir.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const server = await startTestServer({ TLS_CERT: cert, TLS_KEY: key });
    try {
      assert.match(server.url, /^https:/);
      const ca = fs.readFileSync(cert);
      const body = await new Promise<string>((resolve, reject) => {
        https.get(`${server.url}/healthz`, { ca }, (res) => {
          let data = '';
          res.on('data', (chunk) => (data += chunk));
          res.on('end', () => resolve(data));
        }).on('error', reject);
      });
      assert.deepEqual(JSON.parse(body), { status: 'ok' });
      const session = await new Promise<{ id: string }>((resolve, reject) => {
        const req = https.request(`${server.url}/api/sessions`, { method: 'POST', ca }, (res) => {
          let data = '';
          res.on('data', (chunk) => (data += chunk));
          res.on('end', () => resolve(JSON.parse(data)));
        });
        req.on('error', reject);
        req.end();
      });
      const ws = new WebSocket(`${server.url.replace('https', 'wss')}/ws`, { ca });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const init = new Promise<{ type: string }>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
      ws.send(JSON.stringify({ type: 'join', sessionId: session.id }));
      assert.equal((await init).type, 'init');
      ws.close();
    } finally {
      await server.close();
      dir.remove();
    }
  });
});
