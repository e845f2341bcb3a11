/**
 * The interviewer's owner secrets, one per session, kept in localStorage so the interviewer link's
 * `#owner=<secret>` fragment can leave the address bar (and screen shares, and copied links) and a
 * reload still knows who the interviewer is. The secret never goes to the server in a URL: the
 * fragment is not sent, and the exchange for a token is a POST body.
 */
import { readStored, removeStored, writeStored } from './local-store.js';

const keyFor = (sessionId: string): string => `interview-room:owner:${sessionId}`;

/** The stored owner secret of `sessionId`, or `null`. */
export function loadOwnerSecret(sessionId: string): string | null {
  return readStored(keyFor(sessionId));
}

/** Remembers the owner secret of `sessionId`. */
export function saveOwnerSecret(sessionId: string, secret: string): void {
  writeStored(keyFor(sessionId), secret);
}

/** Forgets the owner secret of `sessionId` (it stopped working: rotated). */
export function forgetOwnerSecret(sessionId: string): void {
  removeStored(keyFor(sessionId));
}

/**
 * If the address has `#owner=<secret>`, stores the secret for `sessionId`, removes the fragment from
 * the address bar (history.replaceState, so Back does not bring it back) and returns it.
 */
export function takeOwnerSecretFromUrl(sessionId: string): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const secret = fragment.get('owner');
  if (!secret) return null;
  saveOwnerSecret(sessionId, secret);
  history.replaceState(history.state, '', location.pathname + location.search);
  return secret;
}
