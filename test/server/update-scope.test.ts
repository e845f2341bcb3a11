import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { changePlaces, forbiddenChange, participantMayChange, type ChangePlace } from '../../server/sync/update-scope.js';
import { missingDependency } from '../../server/sync/update-dependencies.js';
import { prng, testSeed } from './helpers/random.js';
import { concurrentWriters } from './helpers/writers.js';

/** The places Yjs reports as changed (`transaction.changed`) when `update` is applied to a copy of `doc`. */
function changedByYjs(doc: Y.Doc, update: Uint8Array): ChangePlace[] {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  const names = new Map<unknown, string>();
  const places: ChangePlace[] = [];
  copy.on('afterTransaction', (transaction: Y.Transaction) => {
    for (const [name, type] of copy.share) names.set(type, name);
    for (const [type, keys] of transaction.changed) {
      for (const key of keys) places.push(placeOfType(type, key, names));
    }
  });
  Y.applyUpdate(copy, update);
  copy.destroy();
  return places;
}

/** Where a change of `type` (under `key`) is: the root above it, the key of the root's child holding it, how deep. */
function placeOfType(type: Y.AbstractType<any>, key: string | null, names: Map<unknown, string>): ChangePlace {
  if (type._item === null) return { root: names.get(type)!, key, depth: 0 };
  let depth = 1;
  let item = type._item;
  while ((item.parent as Y.AbstractType<any>)._item !== null) {
    item = (item.parent as Y.AbstractType<any>)._item!;
    depth++;
  }
  return { root: names.get(item.parent)!, key: item.parentSub, depth };
}

const full = (place: ChangePlace): string => JSON.stringify([place.root, place.key, place.depth]);
const top = (place: ChangePlace): string => JSON.stringify([place.root, place.key]);
const set = (places: ChangePlace[], key: (place: ChangePlace) => string): string[] => [...new Set(places.map(key))].sort();

/** One random change of `doc`: the code, the meta map, the runs (and their output), or a root nobody should have. */
function randomChange(doc: Y.Doc, random: () => number): void {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const text = doc.getText('code');
  const meta = doc.getMap<unknown>('meta');
  const runs = doc.getArray<Y.Map<unknown>>('runs');
  const roll = random();
  if (roll < 0.3) {
    if (text.length > 0 && random() < 0.35) text.delete(Math.floor(random() * text.length), 1 + Math.floor(random() * Math.min(3, text.length)));
    else text.insert(Math.floor(random() * (text.length + 1)), pick(['a', 'bc', 'def']));
  } else if (roll < 0.4) {
    meta.set('language', pick(['javascript', 'python']));
  } else if (roll < 0.45) {
    meta.set(pick(['readOnly', 'other']), random() < 0.5);
  } else if (roll < 0.6 || runs.length === 0) {
    doc.transact(() => {
      const run = new Y.Map<unknown>();
      run.set('status', 'running');
      run.set('output', new Y.Array<unknown>());
      runs.push([run]);
    });
  } else if (roll < 0.7) {
    pick(runs.toArray()).set('status', pick(['ok', 'error']));
  } else if (roll < 0.85) {
    const output = pick(runs.toArray()).get('output');
    if (output instanceof Y.Array) output.push([{ stream: 'stdout', text: pick(['x', 'All 12 tests passed']) }]);
  } else if (roll < 0.93) {
    runs.delete(Math.floor(random() * runs.length), 1);
  } else {
    doc.getMap('elsewhere').set('k', random());
  }
}

/** A y-websocket-free update with one item of `client` at `clock`, placed after `origin`, holding `content`. */
function craftedItem(client: number, clock: number, origin: Y.ID, content: unknown[]): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, 1);
  encoding.writeVarUint(encoder.restEncoder, 1);
  encoder.writeClient(client);
  encoding.writeVarUint(encoder.restEncoder, clock);
  new Y.Item(Y.createID(client, clock), null, origin, null, null, null, null, new Y.ContentAny(content)).write(encoder, 0);
  encoding.writeVarUint(encoder.restEncoder, 0);
  return encoder.toUint8Array();
}

describe('where an update lands (what a participant may change)', () => {
  it('resolves every struct and deletion to the root and key Yjs changes (random edits, stale and fresh syncs)', () => {
    const random = prng(testSeed('update scope'));
    let compared = 0;
    let forbidden = 0;
    let allowed = 0;
    for (let round = 0; round < 25; round++) {
      const { docs: writers, updates } = concurrentWriters(3);
      const server = new Y.Doc();
      const oldStates: Uint8Array[] = [Y.encodeStateVector(server)];
      for (let step = 0; step < 60; step++) {
        const doc = writers[Math.floor(random() * writers.length)]!;
        randomChange(doc, random);
        if (random() < 0.3) {
          const other = writers[Math.floor(random() * writers.length)]!;
          Y.applyUpdate(other, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other)), 'sync');
        }
        // What a reconnecting client sends: everything past a state vector the server had, maybe an old one.
        if (random() < 0.15) updates.push(Y.encodeStateAsUpdate(doc, oldStates[Math.floor(random() * oldStates.length)]));
        // The server takes what it can integrate now, in a random order.
        for (const update of updates.splice(0).sort(() => random() - 0.5)) {
          const decoded = Y.decodeUpdate(update);
          if (missingDependency(server, decoded) !== null) {
            updates.push(update);
            continue;
          }
          const resolved = changePlaces(server, decoded);
          assert.ok(typeof resolved !== 'string', `an update Yjs makes resolves (${String(resolved)})`);
          const actual = changedByYjs(server, update);
          assert.deepEqual(set(resolved, top), set(actual, top), 'the same roots and keys as Yjs changes');
          for (const place of set(actual, full)) assert.ok(set(resolved, full).includes(place), `${place} resolved at its depth`);
          const refused = forbiddenChange(server, decoded);
          assert.equal(refused === null, actual.every(participantMayChange), `refused exactly what touches more than code and language (${refused})`);
          if (refused) forbidden++;
          else allowed++;
          compared++;
          Y.applyUpdate(server, update);
          if (random() < 0.2) oldStates.push(Y.encodeStateVector(server));
        }
      }
      for (const doc of [...writers, server]) doc.destroy();
    }
    console.log(`# ${compared} compared, ${forbidden} refused, ${allowed} allowed`);
    assert.ok(compared > 1000 && forbidden > 200 && allowed > 200, `both cases were exercised (${compared} compared, ${forbidden} refused, ${allowed} allowed)`);
  });

  it('resolves a chain of items as long as the update, each placed after the next one to resolve', () => {
    // Client 2's item comes first in the update and is placed after the last of client 1's 30,000
    // items, each placed after the one before it: resolving it resolves the whole chain first.
    const chain = 30_000;
    const encoder = new Y.UpdateEncoderV1();
    encoding.writeVarUint(encoder.restEncoder, 2);
    encoding.writeVarUint(encoder.restEncoder, 1);
    encoder.writeClient(2);
    encoding.writeVarUint(encoder.restEncoder, 0);
    new Y.Item(Y.createID(2, 0), null, Y.createID(1, chain - 1), null, null, null, null, new Y.ContentString('b')).write(encoder, 0);
    encoding.writeVarUint(encoder.restEncoder, chain);
    encoder.writeClient(1);
    encoding.writeVarUint(encoder.restEncoder, 0);
    for (let clock = 0; clock < chain; clock++) {
      const origin = clock > 0 ? Y.createID(1, clock - 1) : null;
      new Y.Item(Y.createID(1, clock), null, origin, null, null, (clock > 0 ? null : 'code') as never, null, new Y.ContentString('a')).write(encoder, 0);
    }
    encoding.writeVarUint(encoder.restEncoder, 0);
    const update = encoder.toUint8Array();
    const empty = new Y.Doc();
    assert.deepEqual(changePlaces(empty, Y.decodeUpdate(update)), [{ root: 'code', key: null, depth: 0 }]);
    Y.applyUpdate(empty, update);
    assert.equal(empty.getText('code').toString(), `${'a'.repeat(chain)}b`);
    empty.destroy();
  });

  it('refuses a struct that continues a run output chunk while declaring itself code', () => {
    const server = new Y.Doc();
    server.getText('code').insert(0, 'x');
    const output = new Y.Array<unknown>();
    server.transact(() => {
      const run = new Y.Map<unknown>();
      run.set('status', 'ok');
      run.set('output', output);
      server.getArray('runs').push([run]);
    });
    output.push([{ stream: 'stdout', text: 'real' }]);
    const client = server.clientID;
    const have = Y.getState(server.store, client);
    // Clocks have-1 (already there: the real chunk) and have (new), declared after the code's 'x'.
    const forged = craftedItem(client, have - 1, Y.createID(client, 0), [{ stream: 'stdout', text: 'real' }, { stream: 'stdout', text: 'FORGED' }]);
    assert.match(String(changePlaces(server, Y.decodeUpdate(forged))), /continues .* somewhere else/);
    assert.notEqual(forbiddenChange(server, Y.decodeUpdate(forged)), null);
    // What Yjs does with it, which is why: the chunk joins the run's output.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
    Y.applyUpdate(copy, forged);
    assert.deepEqual((copy.getArray<Y.Map<Y.Array<unknown>>>('runs').get(0).get('output')!.toJSON() as { text: string }[]).map((chunk) => chunk.text), ['real', 'FORGED']);
    for (const doc of [server, copy]) doc.destroy();
  });

  it('refuses references Yjs cannot integrate (an item placed after itself) and changes of other meta keys', () => {
    const server = new Y.Doc();
    server.getText('code').insert(0, 'x');
    const self = craftedItem(4242, 0, Y.createID(4242, 0), ['loop']);
    assert.match(String(changePlaces(server, Y.decodeUpdate(self))), /4242:0 refers to 4242:0/);
    const writer = new Y.Doc();
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(server));
    const before = Y.encodeStateVector(writer);
    writer.getMap('meta').set('readOnly', false);
    assert.equal(forbiddenChange(server, Y.decodeUpdate(Y.encodeStateAsUpdate(writer, before))), 'it changes meta.readOnly; participants may change only the code and the language');
    for (const doc of [server, writer]) doc.destroy();
  });
});
