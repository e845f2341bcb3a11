/** The browser's client for access control: tokens, and the interviewer's lock, password and end calls. */
import type { Role } from '../../shared/roles.js';
import { apiBase, failure, headers } from './api-error.js';
import type { SessionInfo } from './sessions-client.js';

/** A short-lived signed token, from `POST /api/sessions/:id/token`. */
export interface AccessToken {
  token: string;
  role: Role;
  /** When the token stops working (ISO 8601). */
  expiresAt: string;
}

/** The credentials exchanged for a token: the owner secret (interviewer) or the password (candidate). */
export type Credentials = { ownerSecret: string } | { password: string };

/** Exchanges credentials for a token; 401 `invalid_credentials` if wrong, 429 `rate_limited` if tried too often. */
export async function requestToken(sessionId: string, credentials: Credentials, base = ''): Promise<AccessToken> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}/token`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify(credentials),
  });
  if (res.status !== 200) throw await failure(res);
  return (await res.json()) as AccessToken;
}

/** What the interviewer may change (`PATCH /api/sessions/:id`). */
export interface SessionPatch {
  readOnly?: boolean;
  /** A new password (8–200 characters), or `null` to remove it. */
  password?: string | null;
}

/** Changes a session's settings with an interviewer token; 403 `forbidden` with a candidate's. */
export async function updateSession(sessionId: string, token: string, patch: SessionPatch, base = ''): Promise<SessionInfo> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}`, {
    method: 'PATCH',
    headers: headers(token),
    body: JSON.stringify(patch),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as SessionInfo;
}

/** Ends a session for everyone (`DELETE`, interviewer token); connected clients are closed with 4411. */
export async function endSession(sessionId: string, token: string, base = ''): Promise<void> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 204 && !res.ok) throw await failure(res);
}
