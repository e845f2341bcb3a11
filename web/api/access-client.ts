/** The browser's client for access control: tokens, and the interviewer's lock, password and end calls. */
import type { IssuedToken, PatchedSession, SessionPatch, TokenRequest } from '../../shared/protocol/rest.js';
import { apiBase, failure, headers } from './api-error.js';

/** Exchanges credentials for a token; 401 `invalid_credentials` if wrong, 429 `rate_limited` if tried too often. */
export async function requestToken(sessionId: string, credentials: TokenRequest, base = ''): Promise<IssuedToken> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}/token`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify(credentials),
  });
  if (res.status !== 200) throw await failure(res);
  return (await res.json()) as IssuedToken;
}

/** Changes a session's settings with an interviewer token; 403 `forbidden` with a candidate's. */
export async function updateSession(sessionId: string, token: string, patch: SessionPatch, base = ''): Promise<PatchedSession> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}`, {
    method: 'PATCH',
    headers: headers(token),
    body: JSON.stringify(patch),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as PatchedSession;
}

/** Ends a session for everyone (`DELETE`, interviewer token); connected clients are closed with 4411. */
export async function endSession(sessionId: string, token: string, base = ''): Promise<void> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 204 && !res.ok) throw await failure(res);
}
