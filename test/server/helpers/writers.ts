import * as Y from 'yjs';

/**
 * Documents that write as client 1, 2, 3, ... (`count` of them), and every update they make
 * themselves (not what they receive with origin `'sync'`), in order, for a test to deliver.
 */
export function concurrentWriters(count: number): { docs: Y.Doc[]; updates: Uint8Array[] } {
  const updates: Uint8Array[] = [];
  const docs = Array.from({ length: count }, (_, index) => {
    const doc = new Y.Doc();
    doc.clientID = index + 1;
    doc.on('update', (update: Uint8Array, origin: unknown) => origin !== 'sync' && updates.push(update));
    return doc;
  });
  return { docs, updates };
}
