import { randomBytes } from 'node:crypto';

/** This process's part of every uid it gives: 48 random bits (8 characters). */
const PREFIX = `${randomBytes(6).toString('base64url')}.`;
let counter = 0;

/**
 * A new update uid (StoredUpdate.uid): this process's random prefix and a counter, ~12
 * characters. Unique within a session, which is all storage needs: two uids could only meet if
 * two processes drew the same 48-bit prefix and then logged the same counter value into the same
 * session. The uid is given where an update enters the system (the hub, for a participant's
 * update) and travels with it through the Redis stream, so every path that stores it stores the
 * same uid.
 */
export function newUpdateUid(): string {
  return PREFIX + (counter++).toString(36);
}
