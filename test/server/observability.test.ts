import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { MemoryStorage } from '../../server/storage/memory-storage.js';
import { connectYjs, JsonClient } from './helpers/clients.js';
import { spawnServer } from './helpers/process.js';
import { PrivateRedis } from './helpers/redis.js';
import { createSession, startTestServer, waitFor, waitForAsync, wsBase } from './helpers/server.js';

/** The value of one sample in Prometheus text output (0 when absent). */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('health and metrics', () => {
  it('reports alive and ready, and names a failing dependency', async () => {
    const storage = new MemoryStorage();
    const redis = await PrivateRedis.start();
    const server = await startTestServer({ REDIS_URL: redis.url }, { storage });
    try {
      assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
      let res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ready', checks: { storage: 'ok', redis: 'ok' } });

      await redis.down();
      await waitForAsync(async () => (await fetch(`${server.url}/readyz`)).status === 503, 'unready without redis');
      res = await fetch(`${server.url}/readyz`);
      const body = (await res.json()) as { checks: Record<string, string> };
      assert.equal(body.checks.storage, 'ok');
      assert.match(body.checks.redis!, /^unavailable/);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'still alive');

      await redis.up();
      await waitForAsync(async () => (await fetch(`${server.url}/readyz`)).status === 200, 'ready again', 10_000);

      const ping = storage.ping.bind(storage);
      storage.ping = async () => {
        throw new Error('database unreachable');
      };
      res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { checks: Record<string, string> }).checks.storage!, /database unreachable/);
      storage.ping = ping;
    } finally {
      await server.close();
      await redis.down();
    }
  });

  it('counts what clients did in /metrics', async () => {
    const server = await startTestServer({ FLUSH_INTERVAL: '5ms' });
    try {
      const { id } = await createSession(server.url, { code: 'x' });
      const yjs = await connectYjs(server.url, id);
      for (let i = 0; i < 3; i++) yjs.text.insert(0, String(i));
      const { client } = await JsonClient.join(server.url, id);
      client.send('{broken');
      await client.next('error');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const res = await fetch(`${server.url}/metrics`);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const text = await res.text();
      assert.equal(sample(text, 'interview_sessions_active'), 1);
      assert.equal(sample(text, 'interview_connections', 'protocol="yjs"'), 1);
      assert.equal(sample(text, 'interview_connections', 'protocol="json"'), 1);
      assert.ok(sample(text, 'interview_messages_total', 'protocol="yjs",direction="in"') >= 4, 'sync step + 3 updates in');
      assert.ok(sample(text, 'interview_messages_total', 'protocol="json",direction="out"') >= 3, 'init, participants, error out');
      assert.equal(sample(text, 'interview_messages_total', 'protocol="json",direction="in"'), 2, 'join and the broken frame in');
      assert.ok(sample(text, 'interview_message_bytes_total', 'protocol="yjs",direction="in"') > 0);
      assert.ok(sample(text, 'interview_update_fanout_seconds_count', 'protocol="yjs"') >= 3);
      assert.ok(sample(text, 'interview_storage_write_seconds_count', 'outcome="ok"') >= 1);
      assert.equal(sample(text, 'interview_errors_total', 'kind="invalid_json"'), 1);
      assert.ok(sample(text, 'interview_http_requests_total', 'method="POST",status="201"') >= 1);
      yjs.destroy();
      client.close();
    } finally {
      await server.close();
    }
  });

  it('logs JSON lines with ids and never the code; a connection\'s lines carry its ids', async () => {
    const server = await spawnServer({ STORAGE: 'memory', LOG_LEVEL: 'debug' });
    try {
      const marker = 'TOP_SECRET_CANDIDATE_CODE';
      const { id } = await createSession(server.url, { code: `// ${marker}` });
      const { client } = await JsonClient.join(server.url, id);
      client.send({ type: 'codeChange', code: `// ${marker} edited` });
      await client.next('codeAck');
      client.send('{bad json');
      await client.next('error');
      await fetch(`${server.url}/api/sessions/${id}/code`);
      client.close();
      const bad = new WebSocket(`${wsBase(server.url)}/yjs/${id}`);
      await new Promise((resolve) => bad.once('open', resolve));
      bad.send(Uint8Array.of(7, 1, 2));
      await new Promise((resolve) => bad.once('close', resolve));
      await waitFor(() => server.logs.some((line) => line.includes('"reqId"')), 'a request log line');
      await waitFor(() => server.logs.some((line) => line.includes('after a bad frame')), 'the bad frame logged');
      const badFrame = JSON.parse(server.logs.find((line) => line.includes('after a bad frame'))!) as Record<string, unknown>;
      assert.equal(badFrame.path, '/yjs');
      assert.equal(badFrame.sessionId, id);
      assert.equal(typeof badFrame.conn, 'number');
      for (const line of server.logs) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        assert.ok(typeof entry.level === 'number' && typeof entry.msg === 'string', `structured: ${line}`);
        assert.ok(!line.includes(marker), `no code in logs: ${line}`);
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
