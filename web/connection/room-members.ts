/**
 * The people in a room as seen through Yjs awareness: each client publishes
 * `{ user: { name, color, role } }` (`name` and `color` are the field names y-codemirror.next reads
 * for remote carets). The server overwrites `role` with the connection's real role, so nobody can
 * pose as the interviewer. Named `RoomMember`, not `Participant`: on the server a participant is a
 * connection, a different thing.
 */
import type { Awareness } from 'y-protocols/awareness';
import { cleanName } from '../../shared/display-names.js';
import { isRole, type Role } from '../../shared/roles.js';

/** One person in the room: an awareness entry (one per open editor). */
export interface RoomMember {
  /** The Yjs client id; unique per open editor, so one person in two tabs appears twice. */
  clientId: number;
  /** Display name exactly as the participant typed it (render as text, never as HTML). */
  name: string;
  /** CSS colour of their caret and list entry. */
  color: string;
  /** Their role as the server stamped it; `null` when unknown (an older server). */
  role: Role | null;
  /** Whether this entry is the local user. */
  isLocal: boolean;
}

/** Caret colours with enough contrast on light and dark backgrounds. */
const PALETTE = ['#e5484d', '#0b8a5c', '#3e63dd', '#d6409f', '#ad5700', '#8e4ec6', '#0d74ce', '#6f6e00'];

/** A colour picked from the palette by client id, so a participant keeps it across reconnects. */
export function colorFor(clientId: number): string {
  return PALETTE[clientId % PALETTE.length]!;
}

/** The members in `awareness`, local user first, then by name. Ignores malformed states. */
export function readRoomMembers(awareness: Awareness): RoomMember[] {
  const list: RoomMember[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    const user = (state as { user?: { name?: unknown; color?: unknown; role?: unknown } }).user;
    if (!user) continue;
    const color = typeof user.color === 'string' && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : colorFor(clientId);
    const role = isRole(user.role) ? user.role : null;
    list.push({ clientId, name: cleanName(user.name, 'Anonymous'), color, role, isLocal: clientId === awareness.clientID });
  }
  return list.sort((a, b) => Number(b.isLocal) - Number(a.isLocal) || a.name.localeCompare(b.name) || a.clientId - b.clientId);
}
