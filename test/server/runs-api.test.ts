import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { RUNS_ARRAY } from '../../shared/runs.js';
import { call, create, tokenFor } from './helpers/access.js';
import { connectYjs } from './helpers/clients.js';
import { startTestServer, waitFor } from './helpers/server.js';

describe('GET /api/sessions/:id/runs', () => {
  it('returns the runs participants wrote, from memory and from storage, with access checked', async () => {
    const server = await startTestServer({ UNLOAD_GRACE: '50ms' });
    try {
      const session = await create(server.url, { code: 'console.log(6 * 7)', password: 'letmein123' });
      const token = await tokenFor(server.url, session.id, { password: 'letmein123' });
      const runner = await connectYjs(server.url, session.id, { token });
      const run = new Y.Map<unknown>();
      const output = new Y.Array<unknown>();
      runner.doc.transact(() => {
        run.set('id', 'run-1');
        run.set('by', 'Ada');
        run.set('language', 'javascript');
        run.set('startedAt', 1_700_000_000_000);
        run.set('status', 'running');
        run.set('truncated', false);
        run.set('output', output);
        runner.doc.getArray(RUNS_ARRAY).push([run]);
      });
      output.push([{ stream: 'stdout', text: '42\n' }, { stream: 'stderr', text: 'warning\n' }, { stream: 'bogus', text: 1 }]);
      runner.doc.transact(() => {
        run.set('status', 'ok');
        run.set('durationMs', 12);
      });
      runner.doc.getArray(RUNS_ARRAY).push(['not a run']);
      const expected = {
        runs: [
          {
            id: 'run-1',
            by: 'Ada',
            language: 'javascript',
            startedAt: 1_700_000_000_000,
            status: 'ok',
            truncated: false,
            output: [{ stream: 'stdout', text: '42\n' }, { stream: 'stderr', text: 'warning\n' }],
            durationMs: 12,
          },
        ],
      };
      const path = `/api/sessions/${session.id}/runs`;
      await waitFor(() => server.hub.isLoaded(session.id), 'loaded');
      let answer = await call(server.url, 'GET', path, token);
      for (let i = 0; i < 50 && answer.body.runs?.[0]?.status !== 'ok'; i++) answer = await call(server.url, 'GET', path, token);
      assert.deepEqual(answer.body, expected);
      assert.equal((await call(server.url, 'GET', path)).status, 401, 'a private session needs the password');
      runner.destroy();
      await waitFor(() => !server.hub.isLoaded(session.id), 'unloaded');
      assert.deepEqual((await call(server.url, 'GET', path, token)).body, expected, 'read back from storage');
      assert.equal(server.hub.isLoaded(session.id), false, 'reading over REST loads nothing for good');
    } finally {
      await server.close();
    }
  });
});
