/** The browser's client for the sessions REST API: create a session, read its details (see docs/access-api.md). */
import type { Language } from '../../shared/languages.js';
import type { CreateSessionRequest, CreatedSession, SessionDetails } from '../../shared/protocol/rest.js';
import { apiBase, failure, headers } from './api-error.js';

export { ApiError } from './api-error.js';

/** What to create. */
export interface CreateOptions {
  language: Language;
  /** 8–200 characters make the session private; empty or absent leaves it open to the link. */
  password?: string;
  /** Sent as `Authorization: Bearer` when the deployment requires an API key (`API_KEYS`). */
  apiKey?: string | null;
  /** The service's base URL; '' is this page's origin. */
  base?: string;
}

/** Creates a session; throws `ApiError` (`api_key_required`, `invalid_api_key`, `invalid_body`, ...). */
export async function createSession(options: CreateOptions): Promise<CreatedSession> {
  const body: CreateSessionRequest = { language: options.language };
  if (options.password) body.password = options.password;
  const res = await fetch(`${apiBase(options.base ?? '')}/api/sessions`, {
    method: 'POST',
    headers: headers(options.apiKey),
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw await failure(res);
  return (await res.json()) as CreatedSession;
}

/** Reads a session's details; 401 `unauthorized` means private (a token is needed), 410 `session_ended`. */
export async function getSessionDetails(sessionId: string, token: string | null, base = ''): Promise<SessionDetails> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as SessionDetails;
}

/** A session's code as plain text (`GET /api/sessions/:id/code`); the interviewer can still read it after the end. */
export async function getSessionCode(sessionId: string, token: string | null, base = ''): Promise<string> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}/code`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw await failure(res);
  return res.text();
}
