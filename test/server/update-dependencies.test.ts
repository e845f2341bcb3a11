import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { missingDependency } from '../../server/sync/update-dependencies.js';
import { prng, testSeed } from './helpers/random.js';
import { concurrentWriters } from './helpers/writers.js';

/** Whether Yjs left anything of the last update pending in `doc`. */
const pending = (doc: Y.Doc): boolean => doc.store.pendingStructs !== null || doc.store.pendingDs !== null;

describe('missing dependencies of an update (what Yjs would hold pending)', () => {
  it('says null exactly when Yjs integrates the update at once (random edits, random arrival order)', () => {
    const random = prng(testSeed('update dependencies'));
    let held = 0;
    let whole = 0;
    for (let round = 0; round < 20; round++) {
      // Three writers edit concurrently and exchange their changes now and then.
      const { docs: writers, updates } = concurrentWriters(3);
      for (let step = 0; step < 40; step++) {
        const doc = writers[Math.floor(random() * writers.length)]!;
        const text = doc.getText('code');
        if (text.length > 0 && random() < 0.35) text.delete(Math.floor(random() * text.length), 1 + Math.floor(random() * Math.min(3, text.length)));
        else text.insert(Math.floor(random() * (text.length + 1)), 'abc'.slice(0, 1 + Math.floor(random() * 3)));
        if (random() < 0.3) {
          const other = writers[Math.floor(random() * writers.length)]!;
          Y.applyUpdate(other, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other)), 'sync');
        }
      }
      // A server receives them in a random order; what it refuses now it is offered again later.
      const server = new Y.Doc();
      let queue = updates.slice().sort(() => random() - 0.5);
      while (queue.length > 0) {
        const later: Uint8Array[] = [];
        for (const update of queue) {
          const missing = missingDependency(server, Y.decodeUpdate(update));
          const probe = new Y.Doc();
          Y.applyUpdate(probe, Y.encodeStateAsUpdate(server));
          Y.applyUpdate(probe, update);
          assert.equal(missing === null, !pending(probe), `prediction for an update (${missing ?? 'complete'})`);
          probe.destroy();
          if (missing === null) {
            Y.applyUpdate(server, update);
            whole++;
          } else {
            later.push(update);
            held++;
          }
        }
        assert.ok(later.length < queue.length, 'every pass integrates something');
        queue = later;
      }
      assert.equal(server.getText('code').toString(), (() => {
        const all = new Y.Doc();
        for (const doc of writers) Y.applyUpdate(all, Y.encodeStateAsUpdate(doc));
        return all.getText('code').toString();
      })(), 'everything arrives in the end');
      for (const doc of [...writers, server]) doc.destroy();
    }
    assert.ok(held > 50 && whole > 50, `both cases were exercised (${held} refused, ${whole} taken)`);
  });
});
