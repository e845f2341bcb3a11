import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { precompressTree } from '../../scripts/precompress.mjs';
import { startTestServer, tempDir } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** JavaScript of about `kb` KiB that compresses as a bundle does. */
const script = (kb: number): string => Array.from({ length: kb * 20 }, (_, i) => `export const value${i} = ${i} * 2; // line ${i}\n`).join('');

/** GET with an Accept-Encoding, through node:http semantics of fetch (which would decode): raw bytes and headers. */
async function get(url: string, encoding: string | null, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...(encoding === null ? {} : { 'accept-encoding': encoding }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : value);
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static delivery: precompressed, cache-forever assets', () => {
  const web = tempDir();
  let server: Server;
  const app = script(40);
  const embed = script(30);
  before(async () => {
    fs.mkdirSync(path.join(web.dir, 'assets'));
    fs.mkdirSync(path.join(web.dir, 'embed'));
    fs.writeFileSync(path.join(web.dir, 'assets', 'app-ABCD2345.js'), app);
    fs.writeFileSync(path.join(web.dir, 'embed', 'interview-room.js'), embed);
    fs.writeFileSync(path.join(web.dir, 'embed', 'interview-room-0123456789ab.js'), embed);
    fs.writeFileSync(path.join(web.dir, 'index.html'), '<!doctype html><script type="module" src="/assets/app-ABCD2345.js"></script>');
    precompressTree(web.dir);
    server = await startTestServer({}, { webRoot: web.dir });
  });
  after(async () => {
    await server.close();
    web.remove();
  });

  it('sends the brotli or gzip variant the client accepts, and the original to one that accepts neither', async () => {
    const url = `${server.url}/assets/app-ABCD2345.js`;
    const br = await get(url, 'gzip, deflate, br');
    assert.equal(br.status, 200);
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.equal(zlib.brotliDecompressSync(br.body).toString(), app);
    assert.ok(br.body.length < app.length / 4, `${br.body.length} bytes for ${app.length}`);
    const gzip = await get(url, 'gzip');
    assert.equal(gzip.headers.get('content-encoding'), 'gzip');
    assert.equal(zlib.gunzipSync(gzip.body).toString(), app);
    const refused = await get(url, 'gzip;q=0, br;q=0');
    assert.equal(refused.headers.get('content-encoding'), null);
    const plain = await get(url, null);
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(plain.body.toString(), app);
    for (const res of [br, gzip, plain]) {
      assert.match(res.headers.get('vary') ?? '', /accept-encoding/i, 'caches keep the encodings apart');
      assert.match(res.headers.get('content-type') ?? '', /javascript/, 'the type of the file, not of its variant');
      assert.equal(Number(res.headers.get('content-length')), res.body.length);
    }
  });

  it('caches content-hashed files for a year and revalidates stable names with an ETag', async () => {
    const hashed = await get(`${server.url}/assets/app-ABCD2345.js`, 'br');
    assert.equal(hashed.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const pinned = await get(`${server.url}/embed/interview-room-0123456789ab.js`, 'br');
    assert.equal(pinned.headers.get('cache-control'), 'public, max-age=31536000, immutable', 'the pinned embed URL');
    const stable = await get(`${server.url}/embed/interview-room.js`, 'br');
    assert.equal(stable.headers.get('cache-control'), 'no-cache');
    const etag = stable.headers.get('etag');
    assert.ok(etag, 'an ETag to revalidate with');
    const again = await get(`${server.url}/embed/interview-room.js`, 'br', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    const otherEncoding = await get(`${server.url}/embed/interview-room.js`, 'gzip');
    assert.notEqual(otherEncoding.headers.get('etag'), etag, 'each encoding has its own ETag');
    const page = await get(`${server.url}/`, 'br');
    assert.equal(page.headers.get('cache-control'), 'no-cache', 'the HTML revalidates');
  });

  it('serves nothing outside the web root', async () => {
    for (const probe of ['/..%2fpackage.json', '/assets/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json']) {
      const res = await get(`${server.url}${probe}`, 'br');
      assert.notEqual(res.status, 200, probe);
    }
  });
});
