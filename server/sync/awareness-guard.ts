import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Role } from '../access/tokens.js';

/**
 * Rewrites an awareness update from one connection so that it only touches that connection's
 * own client id, and stamps `user.role` with the role the server granted it. Returns null when
 * nothing of the update may be applied.
 *
 * Wire format (y-protocols/awareness): varuint count, then per entry varuint clientID, varuint
 * clock, varstring JSON state (`null` when the client left).
 */
export function guardAwareness(update: Uint8Array, owns: (clientId: number) => boolean, role: Role): Uint8Array | null {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const kept: Array<{ clientId: number; clock: number; state: string }> = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    if (!owns(clientId)) continue;
    kept.push({ clientId, clock, state: stamp(json, role) });
  }
  if (kept.length === 0) return null;
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, kept.length);
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}

/** Sets `user.role` in a JSON awareness state; `null` (leaving) and non-objects pass unchanged. */
function stamp(json: string, role: Role): string {
  const state: unknown = JSON.parse(json);
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return json;
  const record = state as Record<string, unknown>;
  const user = record.user !== null && typeof record.user === 'object' && !Array.isArray(record.user) ? record.user : {};
  // Our element already publishes its role: then the state passes as it came, without re-encoding.
  if ((user as { role?: unknown }).role === role) return json;
  return JSON.stringify({ ...record, user: { ...(user as object), role } });
}
