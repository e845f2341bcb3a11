import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { CredentialThrottle, ThrottledError, type CheckOutcome } from '../../server/access/credential-throttle.js';
import { JsonClient } from './helpers/clients.js';
import { create } from './helpers/access.js';
import { sleep, waitFor, withServer, type startTestServer } from './helpers/server.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

const limits = { perAddress: { freeFailures: 3, maxDelayMs: 8_000 }, perSession: { freeFailures: 10, maxDelayMs: 60_000 } };

/** A throttle on a clock the test moves. */
function throttleAt(start = 1_000_000) {
  const clock = { now: start };
  const outcomes: CheckOutcome[] = [];
  const throttle = new CredentialThrottle(limits, (_kind, outcome) => outcomes.push(outcome), () => clock.now);
  /** One check from `address` on `session`: 'ok' or 'failed' as told, or the wait it was refused with. */
  const attempt = (address: string, session: string, right = false): 'ok' | 'failed' | number => {
    try {
      const check = throttle.begin('password', address, session);
      if (right) check.succeeded();
      else check.failed();
      return right ? 'ok' : 'failed';
    } catch (error) {
      assert.ok(error instanceof ThrottledError);
      assert.equal(error.code, 'rate_limited');
      return error.retryAfterMs;
    }
  };
  return { clock, outcomes, throttle, attempt };
}

describe('credential throttle', () => {
  it('lets the free failures through, then doubles the delay after each failure up to the cap', () => {
    const { clock, attempt } = throttleAt();
    assert.deepEqual([1, 2, 3].map(() => attempt('a', 's1')), ['failed', 'failed', 'failed']);
    assert.equal(attempt('a', 's1'), 1_000, 'the fourth waits 1 s');
    assert.equal(attempt('a', 's2', true), 1_000, 'on every session, even with the right password');
    clock.now += 1_000;
    assert.equal(attempt('a', 's1'), 'failed');
    assert.equal(attempt('a', 's1'), 2_000, 'then 2 s');
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.now += attempt('a', 's1') as number;
      assert.equal(attempt('a', 's1'), 'failed');
      waits.push(attempt('a', 's1') as number);
    }
    assert.deepEqual(waits, [4_000, 8_000, 8_000, 8_000, 8_000], 'capped at maxDelayMs');
    assert.equal(attempt('b', 's3'), 'failed', 'another address is not held back');
  });

  it('limits a session however many addresses guess (each kind of credential apart), and forgets after a quiet hour', () => {
    const { clock, attempt, throttle } = throttleAt();
    for (let i = 0; i < 10; i++) assert.equal(attempt(`10.0.0.${i}`, 'target'), 'failed');
    assert.equal(attempt('10.0.1.1', 'target'), 1_000, 'the eleventh address waits');
    assert.equal(attempt('10.0.1.1', 'elsewhere'), 'failed', 'other sessions are not held back');
    const ownerCheck = throttle.begin('owner_secret', '10.0.1.2', 'target');
    ownerCheck.succeeded();
    clock.now += 60 * 60_000;
    for (let i = 0; i < 3; i++) assert.equal(attempt('10.0.0.1', 'target'), 'failed', 'all forgotten');
  });

  it('counts a check as failed from its start, so guesses sent at once cannot slip through together', () => {
    const { throttle, attempt, outcomes } = throttleAt();
    const inFlight = [1, 2, 3].map(() => throttle.begin('password', 'a', 's'));
    assert.throws(() => throttle.begin('password', 'a', 's'), ThrottledError, 'a fourth is refused while three are checked');
    for (const check of inFlight) check.succeeded();
    assert.equal(attempt('a', 's'), 'failed', 'right ones are taken back');
    assert.deepEqual(outcomes, ['throttled', 'ok', 'ok', 'ok', 'failed']);
  });

  it('can be turned off per dimension with a max delay of 0', () => {
    const throttle = new CredentialThrottle({ perAddress: { freeFailures: 0, maxDelayMs: 0 }, perSession: { freeFailures: 0, maxDelayMs: 0 } });
    for (let i = 0; i < 50; i++) throttle.begin('owner_secret', 'a', 's').failed();
  });
});

/** Parses `interview_credential_checks_total` from /metrics into `kind/outcome → count`. */
async function credentialChecks(server: Server): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, kind, outcome, value] of text.matchAll(/^interview_credential_checks_total\{kind="(\w+)",outcome="(\w+)"\} (\d+)$/gm)) {
    counts[`${kind}/${outcome}`] = Number(value);
  }
  return counts;
}

/** A `/ws` client that seems to come from `address` (the server trusts one proxy hop). */
const from = (server: Server, address: string): Promise<JsonClient> => JsonClient.connect(server.url, { 'x-forwarded-for': address });

/** POST /token as `address`; status, error code and Retry-After. */
async function tokenAs(server: Server, id: string, address: string, body: object): Promise<{ status: number; code?: string; retryAfter: string | null }> {
  const res = await fetch(`${server.url}/api/sessions/${id}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { error?: { code: string } };
  return { status: res.status, ...(answer.error ? { code: answer.error.code } : {}), retryAfter: res.headers.get('retry-after') };
}

/**
 * Sends `join` messages one after another on one `/ws` connection: the error code (or `init`)
 * each got, and how long each took to answer.
 */
async function guess(client: JsonClient, sessionId: string, credentials: object[]): Promise<string[] & { ms: number[] }> {
  const answers = Object.assign([] as string[], { ms: [] as number[] });
  for (const presented of credentials) {
    const before = client.messages.length;
    const started = performance.now();
    client.send({ type: 'join', sessionId, ...presented });
    const reply = () => client.messages.slice(before).find((m) => m.type === 'error' || m.type === 'init');
    await waitFor(() => reply() !== undefined, 'an answer to join', 10_000);
    answers.ms.push(performance.now() - started);
    const got = reply()!;
    answers.push(got.type === 'error' ? got.code : got.type);
  }
  return answers;
}

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

describe('password guessing over /ws and REST (issue #15, item 3)', () => {
  it('refuses guesses from one address beyond the limit at once, without hashing; the right password from another address still works', (t: TestContext) =>
    withServer({ TRUST_PROXY: '1' }, async (server) => {
      const session = await create(server.url, { code: 'secret', password: 'correct horse' });
      const attacker = await from(server, '203.0.113.7');
      const answers = await guess(attacker, session.id, Array.from({ length: 30 }, (_, i) => ({ password: `guess number ${i}` })));
      t.diagnostic(
        `30 guesses over /ws from one address: ${answers.filter((a) => a === 'invalid_credentials').length} checked ` +
          `(${mean(answers.ms.slice(0, 5)).toFixed(1)} ms each), ${answers.filter((a) => a === 'rate_limited').length} refused (${mean(answers.ms.slice(5)).toFixed(1)} ms each)`,
      );
      assert.deepEqual([...answers], [...Array(5).fill('invalid_credentials'), ...Array(25).fill('rate_limited')]);
      assert.match(attacker.last('error')!.message, /too many failed sign-in attempts; try again in \d+ s/);
      // Every other credential check from that address is held back too: owner secret, REST.
      assert.deepEqual([...(await guess(attacker, session.id, [{ ownerSecret: 'x'.repeat(43) }]))], ['rate_limited']);
      const rest = await tokenAs(server, session.id, '203.0.113.7', { password: 'correct horse' });
      assert.equal(rest.status, 429);
      assert.equal(rest.code, 'rate_limited');
      assert.ok(Number(rest.retryAfter) >= 1, `Retry-After: ${rest.retryAfter}`);
      // Only the five checked guesses cost a scrypt hash; the refusals cost none.
      const counts = await credentialChecks(server);
      assert.equal(counts['password/failed'], 5);
      assert.equal(counts['password/throttled'], 26);
      assert.equal(counts['owner_secret/throttled'], 1);
      assert.equal(counts['password/ok'] ?? 0, 0);

      // The candidate, elsewhere, is not locked out.
      const candidate = await from(server, '198.51.100.9');
      assert.deepEqual([...(await guess(candidate, session.id, [{ password: 'correct horse' }]))], ['init']);
      assert.equal((await tokenAs(server, session.id, '198.51.100.9', { password: 'correct horse' })).status, 200);
      assert.equal((await tokenAs(server, session.id, '198.51.100.9', { ownerSecret: session.ownerSecret })).status, 200);
      attacker.close();
      candidate.close();
    }));

  it('limits a session guessed from many addresses, then lets the right password in after the delay', () =>
    withServer({ TRUST_PROXY: '1', AUTH_FAILURES_PER_SESSION: '3' }, async (server) => {
      const session = await create(server.url, { password: 'correct horse' });
      const answers: string[] = [];
      for (let i = 1; i <= 4; i++) {
        const client = await from(server, `192.0.2.${i}`);
        answers.push(...(await guess(client, session.id, [{ password: `guess ${i}` }])));
        client.close();
      }
      assert.deepEqual(answers, ['invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'rate_limited']);
      assert.equal((await tokenAs(server, session.id, '192.0.2.50', { password: 'correct horse' })).code, 'rate_limited', 'the session waits');
      assert.equal((await tokenAs(server, session.id, '192.0.2.51', { ownerSecret: session.ownerSecret })).status, 200, 'but not its interviewer');
      const other = await create(server.url, { password: 'other horse' });
      assert.equal((await tokenAs(server, other.id, '192.0.2.50', { password: 'other horse' })).status, 200, 'other sessions do not');
      assert.equal((await credentialChecks(server))['password/failed'], 3);
      await sleep(1_050);
      assert.equal((await tokenAs(server, session.id, '192.0.2.50', { password: 'correct horse' })).status, 200);
    }));

  it('refuses guesses sent all at once on many connections beyond the limit, without hashing them', () =>
    withServer({ TRUST_PROXY: '1' }, async (server) => {
      const session = await create(server.url, { password: 'correct horse' });
      const clients = await Promise.all(Array.from({ length: 40 }, () => from(server, '203.0.113.99')));
      for (const [i, client] of clients.entries()) client.send({ type: 'join', sessionId: session.id, password: `parallel ${i}` });
      const codes = await Promise.all(clients.map(async (client) => (await client.next('error', 20_000)).code));
      assert.equal(codes.filter((code) => code === 'invalid_credentials').length, 5);
      assert.equal(codes.filter((code) => code === 'rate_limited').length, 35);
      assert.equal((await credentialChecks(server))['password/failed'], 5, 'five hashes, not forty');
      for (const client of clients) client.close();
    }));
});
