import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { applyAwarenessUpdate, Awareness } from 'y-protocols/awareness';
import { applyAwarenessEntries, guardAwareness } from '../../server/sync/awareness-guard.js';
import { prng, testSeed } from './helpers/random.js';

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

/** Each remote client's clock (the awareness's own, server-side entry left out). */
function remoteClocks(awareness: Awareness): Array<[number, number]> {
  return [...awareness.meta].filter(([id]) => id !== awareness.clientID).map(([id, meta]) => [id, meta.clock]);
}

describe('awareness guard', () => {
  it('applies parsed entries exactly as y-protocols applies the encoded update (random sequences)', () => {
    const random = prng(testSeed('awareness apply'));
    const theirs = serverAwareness();
    const ours = serverAwareness();
    try {
      const clocks = new Map<number, number>();
      for (let step = 0; step < 1000; step++) {
        const entries = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
          const clientId = 1 + Math.floor(random() * 5);
          const current = clocks.get(clientId) ?? 0;
          // Mostly newer clocks; sometimes the same or an older one, which must be ignored alike.
          const clock = Math.max(0, current + Math.floor(random() * 4) - 1);
          clocks.set(clientId, Math.max(current, clock));
          const state = random() < 0.2 ? null : { user: { name: `u${clientId}`, role: 'candidate' }, cursor: Math.floor(random() * 3) };
          return { clientId, clock, state };
        });
        const update = encode(entries);
        applyAwarenessUpdate(theirs.awareness, update, 'client');
        const guarded = guardAwareness(update, () => true, 'candidate');
        assert.ok(guarded, 'owned entries are kept');
        assert.equal(guarded.update, update, 'nothing to rewrite: the received bytes are relayed');
        applyAwarenessEntries(ours.awareness, guarded.entries, 'client');
        assert.deepEqual([...ours.awareness.getStates()], [...theirs.awareness.getStates()], `states after step ${step}`);
        assert.deepEqual(remoteClocks(ours.awareness), remoteClocks(theirs.awareness), `clocks after step ${step}`);
        assert.deepEqual(ours.events, theirs.events, `events after step ${step}`);
      }
    } finally {
      // Each awareness runs a timer that would keep the test process alive.
      ours.awareness.destroy();
      theirs.awareness.destroy();
    }
  });

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
