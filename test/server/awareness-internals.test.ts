import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, outdatedTimeout } from 'y-protocols/awareness';
import { applyAwarenessEntries } from '../../server/sessions/awareness-internals.js';
import { LiveSession } from '../../server/sessions/live-session.js';
import type { SessionRecord, StoredDocument } from '../../server/storage/storage.js';
import { prng, testSeed } from './helpers/random.js';
import { encodeAwareness, serverAwareness } from './helpers/awareness.js';

// server/sessions/awareness-internals.ts mirrors y-protocols' awareness internals; these tests
// pin the upstream behaviour it mirrors, so an upgrade that changes it fails here first.

const record = (id: string): SessionRecord =>
  ({ id, createdAt: 0, lastActivity: 0, language: 'javascript', access: { readOnly: false } }) as unknown as SessionRecord;

const nothingStored: StoredDocument = { snapshot: null, updates: [], lastSeq: 0, updatesSinceSnapshot: 0 };


/** Each remote client's clock (the awareness's own, server-side entry left out). */
function remoteClocks(awareness: Awareness): Array<[number, number]> {
  return [...awareness.meta].filter(([id]) => id !== awareness.clientID).map(([id, meta]) => [id, meta.clock]);
}

/** A client's awareness update, as its provider would send it. */
function clientState(clientId: number, clock: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new Awareness(doc);
  for (let i = 1; i < clock; i++) awareness.setLocalState({ user: { name: `c${clientId}` }, i });
  awareness.setLocalState({ user: { name: `c${clientId}` } });
  const update = encodeAwarenessUpdate(awareness, [clientId]);
  awareness.destroy();
  doc.destroy();
  return update;
}

describe('applying awareness entries (applyAwarenessUpdate without parsing twice)', () => {
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
        const update = encodeAwareness(entries);
        applyAwarenessUpdate(theirs.awareness, update, 'client');
        const parsed = entries.map((entry) => ({ ...entry, state: JSON.parse(JSON.stringify(entry.state)) as unknown }));
        applyAwarenessEntries(ours.awareness, parsed, 'client');
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

});

describe('outdated cursors on the server (one shared sweep instead of a timer per session)', () => {
  it("upstream: every Awareness starts its own check timer in _checkInterval, which the sweep replaces", (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    try {
      assert.ok(awareness._checkInterval, 'y-protocols keeps its per-document timer in _checkInterval');
      const live = new LiveSession(record('c'), nothingStored);
      assert.equal(live.awareness._checkInterval, undefined, "the session's awareness timer was cleared and dropped");
      live.destroy();
    } finally {
      awareness.destroy();
      doc.destroy();
    }
  });

  it("upstream: y-protocols' own check removes a client silent for outdatedTimeout (30 s) with origin 'timeout'", (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    assert.equal(outdatedTimeout, 30_000, 'the 30 s rule the sweep mirrors');
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    awareness.setLocalState(null);
    try {
      const removed: Array<{ ids: number[]; origin: unknown }> = [];
      awareness.on('update', ({ removed: ids }: { removed: number[] }, origin: unknown) => {
        if (ids.length > 0) removed.push({ ids: [...ids], origin });
      });
      applyAwarenessUpdate(awareness, clientState(7, 1), 'peer');
      applyAwarenessUpdate(awareness, clientState(8, 1), 'peer');
      awareness.meta.get(7)!.lastUpdated -= 31_000;
      awareness.meta.get(8)!.lastUpdated -= 10_000;
      t.mock.timers.tick(Math.floor(outdatedTimeout / 10));
      assert.deepEqual(removed, [{ ids: [7], origin: 'timeout' }], 'the rule and origin the shared sweep reproduces');
    } finally {
      awareness.destroy();
      doc.destroy();
    }
  });

  it('removes a client silent for 30 s, as y-protocols does, and keeps one heard from since', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const sessions = [new LiveSession(record('a'), nothingStored), new LiveSession(record('b'), nothingStored)];
    try {
      const removed: Array<{ session: number; ids: number[]; origin: unknown }> = [];
      sessions.forEach((live, session) => {
        live.awareness.on('update', ({ removed: ids }: { removed: number[] }, origin: unknown) => {
          if (ids.length > 0) removed.push({ session, ids: [...ids], origin });
        });
      });
      applyAwarenessUpdate(sessions[0]!.awareness, clientState(7, 1), 'peer');
      applyAwarenessUpdate(sessions[1]!.awareness, clientState(8, 1), 'peer');
      t.mock.timers.tick(3_000);
      assert.deepEqual(removed, [], 'nobody is outdated yet');
      // Client 7 was last heard 31 s ago; client 8 renewed its state 10 s ago (providers renew every 15 s).
      sessions[0]!.awareness.meta.get(7)!.lastUpdated -= 31_000;
      sessions[1]!.awareness.meta.get(8)!.lastUpdated -= 10_000;
      t.mock.timers.tick(3_000);
      assert.deepEqual(removed, [{ session: 0, ids: [7], origin: 'timeout' }]);
      assert.equal(sessions[0]!.awareness.getStates().has(7), false);
      assert.equal(sessions[1]!.awareness.getStates().has(8), true, 'the client heard from stays');
    } finally {
      for (const live of sessions) live.destroy();
    }
  });
});
