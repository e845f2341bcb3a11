import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, create, runPeer, tokenFor } from './helpers/access.js';
import { startTestServer, waitFor } from './helpers/server.js';

describe('GET /api/sessions/:id/runs', () => {
  it('returns the runs the server recorded, from memory and from storage, with access checked', async () => {
    const server = await startTestServer({ UNLOAD_GRACE: '50ms' });
    try {
      const session = await create(server.url, { code: 'console.log(6 * 7)', password: 'letmein123' });
      const token = await tokenFor(server.url, session.id, { password: 'letmein123' });
      const runner = await runPeer(server.url, session.id, { token, user: { name: 'Ada' } });
      runner.run({ type: 'start', id: 'run-00000001', language: 'javascript' });
      runner.run({ type: 'output', id: 'run-00000001', chunks: [{ stream: 'stdout', text: '42\n' }, { stream: 'stderr', text: 'warning\n' }] });
      runner.run({ type: 'finish', id: 'run-00000001', status: 'ok', durationMs: 12 });
      const path = `/api/sessions/${session.id}/runs`;
      await waitFor(() => server.hub.isLoaded(session.id), 'loaded');
      let answer = await call(server.url, 'GET', path, token);
      for (let i = 0; i < 50 && answer.body.runs?.[0]?.status !== 'ok'; i++) answer = await call(server.url, 'GET', path, token);
      const startedAt = answer.body.runs[0].startedAt as number;
      assert.ok(Math.abs(Date.now() - startedAt) < 10_000, 'started at server time');
      const expected = {
        runs: [
          {
            id: 'run-00000001',
            by: 'Ada',
            role: 'candidate',
            language: 'javascript',
            startedAt,
            status: 'ok',
            truncated: false,
            output: [{ stream: 'stdout', text: '42\n' }, { stream: 'stderr', text: 'warning\n' }],
            durationMs: 12,
          },
        ],
      };
      assert.deepEqual(answer.body, expected);
      assert.equal((await call(server.url, 'GET', path)).status, 401, 'a private session needs the password');
      runner.ws.close();
      runner.doc.destroy();
      await waitFor(() => !server.hub.isLoaded(session.id), 'unloaded');
      assert.deepEqual((await call(server.url, 'GET', path, token)).body, expected, 'read back from storage');
      assert.equal(server.hub.isLoaded(session.id), false, 'reading over REST loads nothing for good');
    } finally {
      await server.close();
    }
  });
});
