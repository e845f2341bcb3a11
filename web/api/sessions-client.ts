/** The browser's client for the sessions REST API: create a session, read its info (see docs/access-api.md). */
import type { Language } from '../../shared/languages.js';
import type { Role } from '../../shared/roles.js';
import { apiBase, failure, headers } from './api-error.js';

export { ApiError } from './api-error.js';

/** A session as `POST /api/sessions` returns it. */
export interface CreatedSession {
  id: string;
  /** The candidate's path, `/session/<id>`. */
  url: string;
  /** The interviewer's path, `/session/<id>#owner=<secret>`; absent on a server without roles. */
  interviewerUrl?: string;
  /** The owner secret (also in `interviewerUrl`); returned once, at creation. */
  ownerSecret?: string;
  language: Language;
  /** Whether candidates need a password. */
  private?: boolean;
  createdAt: string | number;
}

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
  const body: Record<string, string> = { language: options.language };
  if (options.password) body.password = options.password;
  const res = await fetch(`${apiBase(options.base ?? '')}/api/sessions`, {
    method: 'POST',
    headers: headers(options.apiKey),
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw await failure(res);
  return (await res.json()) as CreatedSession;
}

/** A session's info as `GET /api/sessions/:id` returns it. */
export interface SessionInfo {
  id: string;
  url: string;
  language: Language;
  participants: number;
  private?: boolean;
  readOnly?: boolean;
  ended?: boolean;
  /** The caller's role, as the server sees the token (or its absence). */
  role?: Role;
}

/** Reads a session's info; 401 `unauthorized` means private (a token is needed), 410 `session_ended`. */
export async function getSessionInfo(sessionId: string, token: string | null, base = ''): Promise<SessionInfo> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as SessionInfo;
}

/** A session's code as plain text (`GET /api/sessions/:id/code`); the interviewer can still read it after the end. */
export async function getSessionCode(sessionId: string, token: string | null, base = ''): Promise<string> {
  const res = await fetch(`${apiBase(base)}/api/sessions/${encodeURIComponent(sessionId)}/code`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw await failure(res);
  return res.text();
}
