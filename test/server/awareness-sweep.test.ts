import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { LiveSession } from '../../server/sessions/live-session.js';
import type { SessionRecord } from '../../server/storage/storage.js';

const record = (id: string): SessionRecord =>
  ({ id, createdAt: 0, lastActivity: 0, language: 'javascript', access: { readOnly: false } }) as unknown as SessionRecord;

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

describe('outdated cursors on the server (one shared sweep instead of a timer per session)', () => {
  it('removes a client silent for 30 s, as y-protocols does, and keeps one heard from since', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const sessions = [new LiveSession(record('a')), new LiveSession(record('b'))];
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
