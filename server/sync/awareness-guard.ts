import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { equalityDeep } from 'lib0/function';
import type { Awareness } from 'y-protocols/awareness';
import type { Role } from '../../shared/roles.js';

/** One entry of an awareness update, its state already parsed (null: the client left). */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: unknown;
}

/** What may be applied of a client's awareness update. */
export interface GuardedAwareness {
  /** The update to relay: the very bytes received when nothing had to change. */
  update: Uint8Array;
  entries: AwarenessEntry[];
}

/**
 * Rewrites an awareness update from one connection so that it only touches that connection's
 * own client id, and stamps `user.role` with the role the server granted it. Returns null when
 * nothing of the update may be applied.
 *
 * Wire format (y-protocols/awareness): varuint count, then per entry varuint clientID, varuint
 * clock, varstring JSON state (`null` when the client left).
 */
export function guardAwareness(update: Uint8Array, owns: (clientId: number) => boolean, role: Role): GuardedAwareness | null {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  const json: string[] = [];
  let rewritten = false;
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const text = decoding.readVarString(decoder);
    if (!owns(clientId)) {
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

/**
 * Applies guarded entries to the server's awareness exactly as y-protocols' `applyAwarenessUpdate`
 * applies an encoded update (same clock rules, same `change` and `update` events), without parsing
 * every state a second time: cursors arrive more often than keystrokes.
 */
export function applyAwarenessEntries(awareness: Awareness, entries: AwarenessEntry[], origin: unknown): void {
  const timestamp = Date.now();
  const added: number[] = [];
  const updated: number[] = [];
  const filteredUpdated: number[] = [];
  const removed: number[] = [];
  for (const { clientId, state, clock: received } of entries) {
    let clock = received;
    const clientMeta = awareness.meta.get(clientId);
    const prevState: unknown = awareness.states.get(clientId);
    const currClock = clientMeta === undefined ? 0 : clientMeta.clock;
    if (currClock < clock || (currClock === clock && state === null && awareness.states.has(clientId))) {
      if (state === null) {
        // Never let a remote client remove the local state (the server has none, but stay exact).
        if (clientId === awareness.clientID && awareness.getLocalState() != null) clock++;
        else awareness.states.delete(clientId);
      } else {
        awareness.states.set(clientId, state as Record<string, unknown>);
      }
      awareness.meta.set(clientId, { clock, lastUpdated: timestamp });
      if (clientMeta === undefined && state !== null) added.push(clientId);
      else if (clientMeta !== undefined && state === null) removed.push(clientId);
      else if (state !== null) {
        if (!equalityDeep(state, prevState)) filteredUpdated.push(clientId);
        updated.push(clientId);
      }
    }
  }
  if (added.length > 0 || filteredUpdated.length > 0 || removed.length > 0) {
    awareness.emit('change', [{ added, updated: filteredUpdated, removed }, origin]);
  }
  if (added.length > 0 || updated.length > 0 || removed.length > 0) {
    awareness.emit('update', [{ added, updated, removed }, origin]);
  }
}
