import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SmallSet } from '../../server/util/small-set.js';

describe('SmallSet (participants and peers of a session)', () => {
  it('keeps each member once, in the order they joined', () => {
    const set = new SmallSet<string>();
    set.add('a').add('b').add('a');
    assert.equal(set.size, 2);
    assert.deepEqual([...set], ['a', 'b']);
    assert.equal(set.has('b'), true);
    assert.equal(set.delete('a'), true);
    assert.equal(set.delete('a'), false, 'deleting a non-member reports it');
    assert.deepEqual([...set], ['b']);
    set.clear();
    assert.equal(set.size, 0);
  });

  it('lets a loop go over the members as they were when it started, while members leave and join', () => {
    const set = new SmallSet<number>();
    for (let i = 0; i < 5; i++) set.add(i);
    const seen: number[] = [];
    for (const member of set) {
      seen.push(member);
      // A broadcast during which peers leave and join reaches each member it started with once.
      set.delete(member + 1);
      set.add(10 + member);
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.deepEqual([...set], [0, 10, 11, 12, 13, 14]);
  });
});
