import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Role } from '../../shared/roles.js';
import type { AwarenessEntry } from '../sessions/awareness-internals.js';

/** What may be applied of a client's awareness update. */
export interface GuardedAwareness {
  /** The update to relay: the very bytes received when nothing had to change. */
  update: Uint8Array;
  entries: AwarenessEntry[];
}

/**
 * Rewrites an awareness update from one connection so that it only touches that connection's
 * own client id, and stamps `user.role` with the role the server granted it; a state of more than
 * `maxStateBytes` (as encoded) is dropped. Returns null when nothing of the update may be applied.
 *
 * Wire format (y-protocols/awareness): varuint count, then per entry varuint clientID, varuint
 * clock, varstring JSON state (`null` when the client left).
 */
export function guardAwareness(update: Uint8Array, owns: (clientId: number) => boolean, role: Role, maxStateBytes = Infinity): GuardedAwareness | null {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  const json: string[] = [];
  let rewritten = false;
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const start = decoder.pos;
    const text = decoding.readVarString(decoder);
    // A state is relayed to every peer and every joiner: one larger than a cursor and a name is abuse.
    if (!owns(clientId) || decoder.pos - start > maxStateBytes) {
      rewritten = true;
      continue;
    }
    const state: unknown = JSON.parse(text);
    const stamped = stamp(state, role);
    entries.push({ clientId, clock, state });
    json.push(stamped ? JSON.stringify(state) : text);
    if (stamped) rewritten = true;
  }
  if (entries.length === 0) return null;
  if (!rewritten) return { update, entries };
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  entries.forEach((entry, i) => {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, json[i]!);
  });
  return { update: encoding.toUint8Array(encoder), entries };
}

/**
 * Sets `user.role` on a freshly parsed state, in place; returns whether it changed anything.
 * `null` (leaving), non-objects and states already carrying the role pass untouched. In place, not
 * by spreading into new objects: spread copies get a hidden class of their own per state, which a
 * server holding thousands of cursors pays for in memory.
 */
function stamp(state: unknown, role: Role): boolean {
  if (!isRecord(state)) return false;
  const user = state.user;
  if (!isRecord(user)) {
    state.user = { role };
    return true;
  }
  // Our element already publishes its role: then the state passes as it came, without re-encoding.
  if (user.role === role) return false;
  user.role = role;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
