import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connectYjs, JsonClient } from './helpers/clients.js';
import { spawnServer } from './helpers/process.js';
import { createSession, sleep, tempDir, waitFor } from './helpers/server.js';

describe('durability across restarts (SQLite in a data directory)', () => {
  const data = tempDir();
  after(() => data.remove());
  const env = { STORAGE: 'sqlite', DATA_DIR: data.dir, FLUSH_INTERVAL: '50ms' };
  const codeOf = async (url: string, id: string) => (await fetch(`${url}/api/sessions/${id}/code`)).text();

  it('keeps the session and its exact code after SIGTERM, including edits made just before it', async () => {
    // The longest flush window, so the edits are still queued when SIGTERM arrives.
    const first = await spawnServer({ ...env, FLUSH_INTERVAL: '100ms' });
    const { id } = await createSession(first.url, { code: 'def solve():\n    pass\n', language: 'python' });
    const yjs = await connectYjs(first.url, id);
    const { client: json, init } = await JsonClient.join(first.url, id);
    yjs.text.insert(0, '# candidate: Ada\n');
    json.send({ type: 'codeChange', code: init.code.replace('pass', 'return 42'), version: init.version });
    await json.next('codeAck');
    const expected = '# candidate: Ada\ndef solve():\n    return 42\n';
    await waitFor(() => yjs.text.toString() === expected, 'edits applied');
    // No pause: whatever is still queued must be flushed by the shutdown itself.
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, 'clean exit');
    yjs.destroy();
    json.close();

    const second = await spawnServer(env);
    try {
      assert.equal(await codeOf(second.url, id), expected);
      const info = (await (await fetch(`${second.url}/api/sessions/${id}`)).json()) as { language: string };
      assert.equal(info.language, 'python');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('keeps a language chosen in the document by a Yjs client, for a session not loaded yet', async () => {
    const first = await spawnServer(env);
    const { id } = await createSession(first.url, { code: 'print(1)\n' });
    const yjs = await connectYjs(first.url, id);
    yjs.doc.getMap('meta').set('language', 'python');
    await sleep(250); // > the flush window
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, 'clean exit');
    yjs.destroy();

    const second = await spawnServer(env);
    try {
      // Read from the stored record: nothing has loaded the document on this server.
      const info = (await (await fetch(`${second.url}/api/sessions/${id}`)).json()) as { language: string };
      assert.equal(info.language, 'python');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('keeps updates older than the flush window after kill -9', async () => {
    const first = await spawnServer(env);
    const { id } = await createSession(first.url, { code: 'let total = 0;\n' });
    const yjs = await connectYjs(first.url, id);
    for (const line of ['for (const n of [1, 2, 3]) {\n', '  total += n;\n', '}\n']) {
      yjs.text.insert(yjs.text.length, line);
      await sleep(10);
    }
    const expected = yjs.text.toString();
    await sleep(250); // > the 100 ms durability promise
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    yjs.destroy();

    const second = await spawnServer(env);
    try {
      assert.equal(await codeOf(second.url, id), expected);
      const again = await connectYjs(second.url, id);
      assert.equal(again.text.toString(), expected);
      again.destroy();
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
