import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectYjs, type YjsClient } from './helpers/clients.js';
import { Nginx } from './helpers/nginx.js';
import { spawnServer, type ServerProcess } from './helpers/process.js';
import { freePort } from './helpers/redis.js';
import { createSession, sleep, tempDir, waitFor, waitForAsync } from './helpers/server.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Yjs connections open on an instance, from its /metrics. */
async function yjsConnections(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith('interview_connections{protocol="yjs"} '));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('two instances behind nginx (deploy/nginx.conf)', () => {
  const data = tempDir();
  let servers: ServerProcess[] = [];
  let nginx: Nginx;
  const clients: YjsClient[] = [];

  before(async () => {
    const ports = [await freePort(), await freePort()];
    const env = { STORAGE: 'sqlite', DATA_DIR: data.dir, REDIS_URL, FLUSH_INTERVAL: '50ms' };
    servers = await Promise.all(ports.map((port) => spawnServer({ ...env, PORT: String(port) })));
    nginx = await Nginx.start(ports);
  });
  after(async () => {
    for (const client of clients) client.destroy();
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
      await server.exited;
    }
    await nginx.stop();
    data.remove();
  });

  it('spreads two stock providers over both upstreams and converges them', async () => {
    const { id } = await createSession(nginx.url, { code: '' });
    const a = await connectYjs(nginx.url, id);
    const b = await connectYjs(nginx.url, id);
    clients.push(a, b);
    await waitForAsync(async () => (await yjsConnections(servers[0]!.url)) === 1 && (await yjsConnections(servers[1]!.url)) === 1, 'one provider per upstream');
    a.text.insert(0, 'from a;');
    b.text.insert(0, 'from b;');
    await waitFor(() => a.text.toString() === b.text.toString() && a.text.length === 14, 'convergence across upstreams');
  });

  it('loses nothing when an instance is killed with kill -9 mid-typing', async () => {
    const { id } = await createSession(nginx.url, { code: '' });
    const a = await connectYjs(nginx.url, id);
    const b = await connectYjs(nginx.url, id);
    clients.push(a, b);
    const typed: string[] = [];
    let killed = false;
    for (let i = 0; i < 60; i++) {
      for (const [name, client] of [['a', a], ['b', b]] as const) {
        const token = `${name}${i};`;
        typed.push(token);
        client.text.insert(client.text.length, token);
      }
      if (i === 25) {
        servers[0]!.child.kill('SIGKILL');
        killed = true;
      }
      await sleep(15);
    }
    assert.ok(killed);
    assert.equal(await servers[0]!.exited, 'SIGKILL');
    await waitFor(() => a.provider.wsconnected && b.provider.wsconnected, 'both reconnected through nginx', 15_000);
    await waitFor(() => a.text.toString() === b.text.toString(), 'convergence after the crash', 15_000);
    const text = a.text.toString();
    const missing = typed.filter((token) => !text.includes(token));
    assert.deepEqual(missing, [], 'every keystroke of both clients survived');
    await waitForAsync(async () => (await (await fetch(`${nginx.url}/api/sessions/${id}/code`)).text()) === text, 'the surviving instance serves it');
  });
});
