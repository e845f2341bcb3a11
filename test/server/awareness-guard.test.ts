import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { applyAwarenessUpdate, Awareness } from 'y-protocols/awareness';
import { guardAwareness } from '../../server/sync/awareness-guard.js';

/** An awareness update with the given entries, encoded as y-protocols does. */
function encode(entries: Array<{ clientId: number; clock: number; state: unknown }>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}

/** An awareness like the server's: no local state, and every event it emits recorded. */
function serverAwareness(): { awareness: Awareness; events: unknown[] } {
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState(null);
  const events: unknown[] = [];
  awareness.on('change', (change: unknown) => events.push(['change', change]));
  awareness.on('update', (change: unknown) => events.push(['update', change]));
  return { awareness, events };
}

describe('awareness guard', () => {
  it('drops entries for ids the connection does not own and stamps the granted role', (t) => {
    const update = encode([
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
