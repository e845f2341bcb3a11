import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
