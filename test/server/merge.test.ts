import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import diff from 'fast-diff';
import { boundedDiff } from '../../server/json/bounded-diff.js';
import { diffEdits, mergeEdits, type TextEdit } from '../../server/json/merge.js';
import { prng, testSeed } from './helpers/random.js';

function apply(text: string, edits: TextEdit[]): string {
  for (const edit of edits) text = text.slice(0, edit.index) + edit.insert + text.slice(edit.index + edit.deleteCount);
  return text;
}

function randomText(random: () => number, length: number): string {
  const alphabet = 'abcdefghij \n{}();=';
  return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

/** A random edit confined to [from, to) of `text`. */
function editWithin(random: () => number, text: string, from: number, to: number): string {
  const start = from + Math.floor(random() * (to - from));
  const end = Math.min(to, start + Math.floor(random() * 5));
  return text.slice(0, start) + randomText(random, Math.floor(random() * 6)) + text.slice(end);
}

describe('text merge', () => {
  it('diffs minimally', () => {
    assert.deepEqual(diffEdits('hello world', 'hello brave world'), [{ index: 6, deleteCount: 0, insert: 'brave ' }]);
    assert.deepEqual(diffEdits('abc', 'abc'), []);
    assert.deepEqual(diffEdits('abc', 'ac'), [{ index: 1, deleteCount: 1, insert: '' }]);
    assert.equal(apply('', diffEdits('', 'new')), 'new');
    assert.equal(apply('gone', diffEdits('gone', '')), '');
  });

  it('keeps surrogate pairs whole', () => {
    const from = 'music 𝄞 and 😀';
    const to = 'music 𝄢 and 😀!';
    assert.equal(apply(from, diffEdits(from, to)), to);
  });

  it('keeps concurrent edits elsewhere and inside a deleted range', () => {
    assert.equal(apply('X' + 'abcdef', mergeEdits('abcdef', 'Xabcdef', 'abcdeF')), 'XabcdeF');
    // Someone typed inside the range this change deletes: their text survives.
    assert.equal(apply('abXcd', mergeEdits('abcd', 'abXcd', 'd')), 'Xd');
    // Both deleted the same text: it is deleted once, nothing else goes.
    assert.equal(apply('ad', mergeEdits('abcd', 'ad', 'ad')), 'ad');
    // Both inserted at the same point: both insertions stay.
    assert.equal(apply('abXc', mergeEdits('abc', 'abXc', 'abYc')), 'abXYc');
  });

  it('satisfies the merge laws on random texts', () => {
    const seed = testSeed('merge laws');
    const random = prng(seed);
    for (let round = 0; round < 500; round++) {
      const base = randomText(random, 20 + Math.floor(random() * 60));
      const middle = Math.floor(base.length / 2);
      // Others edit the first half, the client the second: the result must hold both.
      const current = editWithin(random, base, 0, middle - 3);
      const incoming = editWithin(random, base, middle + 3, base.length);
      const merged = apply(current, mergeEdits(base, current, incoming));
      const expected = current.slice(0, current.length - (base.length - middle)) + incoming.slice(middle);
      assert.equal(merged, expected, `disjoint edits merge (seed ${seed}, round ${round})`);
      assert.equal(apply(base, mergeEdits(base, base, incoming)), incoming, `no concurrency → incoming (seed ${seed})`);
      assert.equal(apply(current, mergeEdits(base, current, base)), current, `no change → current (seed ${seed})`);
      const other = randomText(random, Math.floor(random() * 40));
      assert.equal(apply(base, diffEdits(base, other)), other, `diff reproduces (seed ${seed})`);
    }
  });

  it('diffs within the budget exactly as fast-diff does, and past it replaces only the changed middle', () => {
    const seed = testSeed('bounded diff');
    const random = prng(seed);
    for (let round = 0; round < 200; round++) {
      const from = randomText(random, Math.floor(random() * 80));
      const to = editWithin(random, editWithin(random, from, 0, from.length), 0, from.length);
      assert.deepEqual(boundedDiff(from, to), diff(from, to), `same as fast-diff (seed ${seed}, round ${round})`);
      const coarse = boundedDiff(from, to, { span: 4, cells: 4 });
      const rebuilt = coarse.filter(([op]) => op !== diff.DELETE).map(([, text]) => text).join('');
      assert.equal(rebuilt, to, `the coarse diff still makes exactly the new text (seed ${seed}, round ${round})`);
      assert.equal(coarse.filter(([op]) => op !== diff.INSERT).map(([, text]) => text).join(''), from);
      assert.ok(coarse.filter(([op]) => op !== diff.EQUAL).length <= 2, 'one replacement at most');
    }
    assert.deepEqual(boundedDiff('keep abc keep', 'keep xyz keep', { span: 2, cells: 1 }), [
      [diff.EQUAL, 'keep '],
      [diff.DELETE, 'abc'],
      [diff.INSERT, 'xyz'],
      [diff.EQUAL, ' keep'],
    ]);
  });

  it('never splits a surrogate pair when it falls back', () => {
    // 𝄞 and 𝄢 share their high surrogate, 😀 and 😁 too; U+10000 and U+10400 share their low one.
    const tight = { span: 2, cells: 1 };
    const cases: Array<[string, string]> = [['a𝄞b', 'a𝄢c'], ['x😀', 'y😁'], ['𝄞tail', '𝄢tail'], ['a😀z', 'b😁z'], ['a\u{10000}', 'b\u{10400}']];
    for (const [from, to] of cases) {
      for (const [op, text] of boundedDiff(from, to, tight)) {
        if (op === diff.EQUAL) continue;
        assert.ok(!/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(text), `${JSON.stringify(text)} cuts a pair (${from} → ${to})`);
      }
      assert.equal(apply(from, mergeEdits(from, from, to, tight)), to);
    }
  });

  it('stays fast on texts whose full diff is quadratic, in both diffs of a merge', () => {
    const pattern = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    for (const length of [40_000, 400_000]) {
      const base = pattern('a', length);
      const current = pattern('abc', length);
      const incoming = pattern('ab', length);
      const started = performance.now();
      assert.equal(apply(base, mergeEdits(base, base, incoming)), incoming, 'no concurrency: exactly the incoming text');
      const merged = apply(current, mergeEdits(base, current, `${base}!`));
      const elapsed = performance.now() - started;
      assert.equal(merged, `${current}!`, 'a concurrent rewrite stays; the addition lands after it');
      // Unbounded, the first of these took 7 s at 40,000 characters and minutes at 400,000.
      assert.ok(elapsed < 500, `${length} characters took ${elapsed.toFixed(0)} ms`);
    }
  });
});
