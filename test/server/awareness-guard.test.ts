import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyAwarenessUpdate } from 'y-protocols/awareness';
import { guardAwareness } from '../../server/sync/awareness-guard.js';
import { encodeAwareness, serverAwareness } from './helpers/awareness.js';


describe('awareness guard', () => {
  it('drops entries for ids the connection does not own and stamps the granted role', (t) => {
    const update = encodeAwareness([
      { clientId: 7, clock: 1, state: { user: { name: 'Mallory', role: 'interviewer' } } },
      { clientId: 8, clock: 1, state: { user: { name: 'Grace', role: 'interviewer' } } },
    ]);
    const guarded = guardAwareness(update, (id) => id === 7, 'candidate');
    assert.ok(guarded);
    assert.deepEqual(guarded.entries, [{ clientId: 7, clock: 1, state: { user: { name: 'Mallory', role: 'candidate' } } }]);
    assert.notEqual(guarded.update, update, 'a rewritten update is encoded anew');
    const relayed = serverAwareness();
    t.after(() => relayed.awareness.destroy());
    applyAwarenessUpdate(relayed.awareness, guarded.update, null);
    assert.deepEqual([...relayed.awareness.getStates()], [[7, { user: { name: 'Mallory', role: 'candidate' } }]]);
    assert.equal(guardAwareness(update, () => false, 'candidate'), null, 'nothing owned: nothing to apply');
  });
});
