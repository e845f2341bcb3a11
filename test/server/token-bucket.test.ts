import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RatePolicy } from '../../server/limits/token-bucket.js';

/** One client's bucket under `policy`, as a connection keeps it: a number it replaces on success. */
function bucketOf(policy: RatePolicy): { take(tokens?: number): boolean } {
  let state = RatePolicy.FULL;
  return {
    take(tokens = 1): boolean {
      const next = policy.take(state, tokens);
      if (next < 0) return false;
      state = next;
      return true;
    },
  };
}

describe('message rate limits (token bucket kept as one number per client)', () => {
  it('lets a burst through, refuses the next message, and refills at the rate', () => {
    let now = 1_000;
    const policy = new RatePolicy(10, 5, () => now);
    const bucket = bucketOf(policy);
    for (let i = 0; i < 5; i++) assert.equal(bucket.take(), true, `message ${i + 1} of the burst`);
    assert.equal(bucket.take(), false, 'the bucket is empty after the burst');
    now += 99;
    assert.equal(bucket.take(), false, 'not quite one token back after 99 ms at 10/s');
    now += 1;
    assert.equal(bucket.take(), true, 'one token back after 100 ms');
    assert.equal(bucket.take(), false);
    now += 10_000;
    for (let i = 0; i < 5; i++) assert.equal(bucket.take(), true, 'a long pause refills to the burst');
    assert.equal(bucket.take(), false, 'and never beyond it');
  });

  it('admits a steady stream at the rate forever and refuses a faster one', () => {
    let now = 0;
    const policy = new RatePolicy(100, 1, () => now);
    let steady = RatePolicy.FULL;
    for (let i = 0; i < 1_000; i++, now += 10) {
      const next = policy.take(steady);
      assert.ok(next >= 0, `message ${i} at exactly the rate`);
      steady = next;
    }
    let fast = RatePolicy.FULL;
    let refused = 0;
    for (let i = 0; i < 1_000; i++, now += 5) {
      const next = policy.take(fast);
      if (next < 0) refused++;
      else fast = next;
    }
    assert.equal(refused, 500, 'twice the rate: every other message refused');
  });

  it('keeps clients apart: one client emptying its bucket does not touch another', () => {
    const now = 0;
    const policy = new RatePolicy(1, 2, () => now);
    let a = RatePolicy.FULL;
    a = policy.take(a);
    a = policy.take(a);
    assert.equal(policy.take(a), -1);
    assert.ok(policy.take(RatePolicy.FULL) >= 0);
  });

  it('takes many tokens at once (one a character), never more than the burst, and refuses without taking', () => {
    let now = 0;
    const policy = new RatePolicy(1000, 2000, () => now);
    const bucket = bucketOf(policy);
    assert.equal(bucket.take(1500), true);
    assert.equal(bucket.take(600), false, '500 left');
    assert.equal(bucket.take(500), true, 'the refusal took nothing');
    assert.equal(bucket.take(1), false);
    now += 250;
    assert.equal(bucket.take(251), false, '250 back after 250 ms');
    assert.equal(bucket.take(250), true);
    now += 60_000;
    assert.equal(bucket.take(2001), false, 'more than the burst never passes');
    assert.equal(bucket.take(2000), true);
    assert.equal(bucket.take(0), true, 'nothing is always there');
  });

  it('refuses a policy that could never admit anything', () => {
    assert.throws(() => new RatePolicy(0, 5), RangeError);
    assert.throws(() => new RatePolicy(10, 0), RangeError);
  });
});
