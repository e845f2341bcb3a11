import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { connectYjs, JsonClient, type YjsClient } from './helpers/clients.js';
import { call } from './helpers/access.js';
import { createSession, sleep, startTestServer, waitFor, withServer } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** `length` characters of `unit` over and over. */
const pattern = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** How long `/healthz` takes to answer, in milliseconds. */
async function healthLatency(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/healthz`);
  await res.text();
  assert.equal(res.status, 200);
  return performance.now() - started;
}

/**
 * Sends a codeChange and, while the server handles it, asks /healthz: resolves with the time to
 * the ack and the health check's latency (before the diff was bounded, a 40,000-character
 * rewrite held the event loop for about 7 s: both were that long).
 */
async function timedChange(server: Server, client: JsonClient, message: object): Promise<{ ackMs: number; healthMs: number }> {
  const started = performance.now();
  client.send(message);
  await sleep(5);
  const health = healthLatency(server.url);
  await client.next('codeAck', 120_000);
  const ackMs = performance.now() - started;
  return { ackMs, healthMs: await health };
}

describe('expensive edits over /ws (issue #15, item 1)', () => {
  let server: Server;
  const cleanup: Array<() => void> = [];
  /** A stock Yjs provider and a /ws client in session `id`, both closed after the suite. */
  const participants = async (id: string): Promise<{ watcher: YjsClient; client: JsonClient; init: { version: number } }> => {
    const { client, init } = await JsonClient.join(server.url, id);
    const watcher = await connectYjs(server.url, id);
    cleanup.push(() => client.close(), () => watcher.destroy());
    return { watcher, client, init };
  };
  const code = async (id: string): Promise<string> => (await call(server.url, 'GET', `/api/sessions/${id}/code`)).body as string;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    for (const close of cleanup) close();
    await server.close();
  });

  it('applies a rewrite of 40,000 and of 400,000 characters into another pattern at once, exactly as sent', async (t: TestContext) => {
    for (const length of [40_000, 400_000]) {
      const { id } = await createSession(server.url, { code: pattern('a', length) });
      const { watcher, client, init } = await participants(id);
      const rewritten = pattern('ab', length);
      const { ackMs, healthMs } = await timedChange(server, client, { type: 'codeChange', code: rewritten, version: init.version });
      t.diagnostic(`${length} characters: ack after ${ackMs.toFixed(0)} ms, /healthz answered in ${healthMs.toFixed(0)} ms`);
      assert.ok(ackMs < 1000, `the ack came after ${ackMs.toFixed(0)} ms`);
      assert.ok(healthMs < 1000, `/healthz took ${healthMs.toFixed(0)} ms`);
      await waitFor(() => watcher.text.length === length && watcher.text.toString() === rewritten, 'the Yjs client has exactly the text sent');
      assert.equal(await code(id), rewritten);
    }
  });

  it("merges a change made on an old version at once after someone else rewrote the text (the base-to-current diff)", async (t: TestContext) => {
    const original = pattern('abc', 40_000);
    const { id } = await createSession(server.url, { code: original });
    const { watcher: rewriter, client, init } = await participants(id);
    rewriter.doc.transact(() => {
      rewriter.text.delete(0, rewriter.text.length);
      rewriter.text.insert(0, pattern('acb', 40_000));
    });
    await waitFor(() => client.last('codeUpdate') !== undefined, 'the JSON client hears of the rewrite');
    // Composed on the version it joined with: the server maps that base onto the rewritten text.
    const { ackMs, healthMs } = await timedChange(server, client, { type: 'codeChange', code: `${original}!`, version: init.version });
    t.diagnostic(`stale-version merge: ack after ${ackMs.toFixed(0)} ms, /healthz answered in ${healthMs.toFixed(0)} ms`);
    assert.ok(ackMs < 1000, `the ack came after ${ackMs.toFixed(0)} ms`);
    assert.ok(healthMs < 1000, `/healthz took ${healthMs.toFixed(0)} ms`);
    assert.equal(await code(id), `${pattern('acb', 40_000)}!`, "the rewrite stays and the client's addition lands after it");
  });

  it('answers /healthz within a second throughout a flood of such rewrites, and the session keeps working', async (t: TestContext) => {
    const { id } = await createSession(server.url, { code: pattern('a', 40_000) });
    const { watcher, client } = await participants(id);
    const units = ['ab', 'abc', 'acb', 'abcd', 'a'];
    let sent = 0;
    // Five per tick: a busy machine fires the timer late, and the flood must still outrun the cap
    // (2,000,000 characters at once, 1,000,000 a second: about 125 rewrites in the 3 s).
    const flood = setInterval(() => {
      for (let i = 0; i < 5; i++) client.send({ type: 'codeChange', code: pattern(units[sent++ % units.length]!, 40_000) });
    }, 10);
    // The server shares this process: a stalled event loop shows as a long gap between answers.
    const latencies: number[] = [];
    let answeredAt = performance.now();
    let worstGap = 0;
    const until = answeredAt + 3000;
    try {
      while (performance.now() < until) {
        latencies.push(await healthLatency(server.url));
        worstGap = Math.max(worstGap, performance.now() - answeredAt);
        answeredAt = performance.now();
        await sleep(50);
      }
    } finally {
      clearInterval(flood);
    }
    const worst = Math.max(...latencies);
    const acks = client.messages.filter((m) => m.type === 'codeAck').length;
    const limited = client.messages.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
    t.diagnostic(`${sent} rewrites of 40,000 characters in 3 s: ${acks} applied, ${limited} refused as rate_limited; /healthz worst ${worst.toFixed(0)} ms over ${latencies.length} checks, longest gap between answers ${worstGap.toFixed(0)} ms`);
    assert.ok(worst < 1000, `/healthz took ${worst.toFixed(0)} ms`);
    assert.ok(worstGap < 1000, `no answer from /healthz for ${worstGap.toFixed(0)} ms`);
    assert.ok(limited > 0, 'the character cap refused part of the flood');
    // The session still works for everyone.
    await sleep(100);
    const { client: other } = await JsonClient.join(server.url, id);
    cleanup.push(() => other.close());
    other.send({ type: 'codeChange', code: 'calm again' });
    await waitFor(() => watcher.text.toString() === 'calm again', 'a later edit reaches the Yjs client');
  });
});

describe('characters of codeChange per connection (CODE_CHARS_PER_SECOND)', () => {
  it('refuses a codeChange beyond the cap with rate_limited, changes nothing, and refills', () =>
    withServer({ MAX_CODE_CHARS: '1000', CODE_CHARS_PER_SECOND: '1000', CODE_CHARS_BURST: '2000' }, async (server) => {
      const { id } = await createSession(server.url, { code: 'start' });
      const { client } = await JsonClient.join(server.url, id);
      const first = pattern('x', 1000);
      const second = pattern('y', 1000);
      const third = pattern('z', 1000);
      client.send({ type: 'codeChange', code: first });
      await client.next('codeAck');
      client.send({ type: 'codeChange', code: second });
      await client.next('codeAck');
      client.send({ type: 'codeChange', code: third });
      const refused = await client.next('error');
      assert.equal(refused.code, 'rate_limited');
      assert.match(refused.message, /1000 characters a second/);
      assert.equal(client.messages.filter((m) => m.type === 'codeAck').length, 2, 'no ack for the refused change');
      assert.equal((await call(server.url, 'GET', `/api/sessions/${id}/code`)).body, second, 'nothing changed');
      // A second later a thousand characters have come back.
      await sleep(1050);
      client.send({ type: 'codeChange', code: third });
      await client.next('codeAck');
      assert.equal((await call(server.url, 'GET', `/api/sessions/${id}/code`)).body, third);
      client.close();
    }));

  it('refuses a configuration whose burst could never pass a largest codeChange', async () => {
    const { loadConfig, ConfigError } = await import('../../server/config.js');
    assert.throws(() => loadConfig({ MAX_CODE_CHARS: '5000', CODE_CHARS_BURST: '4999' }), ConfigError);
    assert.equal(loadConfig({ MAX_CODE_CHARS: '3000000' }).codeCharRate.burst, 3_000_000, 'the default burst grows with MAX_CODE_CHARS');
  });
});
