import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';

/** An awareness update with the given entries, encoded as y-protocols does. */
export function encodeAwareness(entries: Array<{ clientId: number; clock: number; state: unknown }>): Uint8Array {
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
export function serverAwareness(): { awareness: Awareness; events: unknown[] } {
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState(null);
  const events: unknown[] = [];
  awareness.on('change', (change: unknown) => events.push(['change', change]));
  awareness.on('update', (change: unknown) => events.push(['update', change]));
  return { awareness, events };
}
