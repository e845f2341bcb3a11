/**
 * Request and response bodies of the sessions REST API (`/api/sessions`), declared once for the
 * server that builds them (server/http/sessions-routes.ts) and the browser that reads them
 * (web/api/). README.md and docs/access-api.md describe the API; errors are `ErrorBody` (errors.ts).
 * Times are ISO 8601 strings on the wire.
 */
import type { Language } from '../languages.js';
import type { Role } from '../roles.js';
import type { RunRecord } from '../runs.js';

/** Length bounds of a session password, in UTF-16 code units (outside them: 400 `invalid_body`). */
export const PASSWORD_LENGTH = { min: 8, max: 200 } as const;

/**
 * Body of `POST /api/sessions`; every field is optional and unknown fields are refused. A
 * `password` makes the session private.
 */
export interface CreateSessionRequest {
  language?: Language;
  /** Initial code (at most the server's `MAX_CODE_CHARS`). */
  code?: string;
  password?: string;
}

/** `201` answer of `POST /api/sessions`; the owner secret is shown only here (and on rotation). */
export interface CreatedSession {
  id: string;
  /** The candidate's path, `/session/<id>`. */
  url: string;
  /** The interviewer's path, `/session/<id>#owner=<secret>`. */
  interviewerUrl: string;
  ownerSecret: string;
  language: Language;
  /** Whether candidates need the password. */
  private: boolean;
  createdAt: string;
}

/**
 * Body of `POST /api/sessions/:id/token`: the owner secret (interviewer) or the password
 * (candidate of a private session). With neither, a valid bearer token is renewed.
 */
export interface TokenRequest {
  ownerSecret?: string;
  password?: string;
}

/** Answer of `POST /api/sessions/:id/token`: a short-lived signed token. */
export interface IssuedToken {
  token: string;
  role: Role;
  /** When the token stops working. */
  expiresAt: string;
}

/** Answer of `GET /api/sessions/:id`: the session as the caller's role may see it. */
export interface SessionDetails {
  id: string;
  url: string;
  language: Language;
  /** Live connections over both protocols, on every instance. */
  participants: number;
  private: boolean;
  readOnly: boolean;
  ended: boolean;
  /** The caller's role, as the server reads its token (or the lack of one). */
  role: Role;
  createdAt: string;
  /** The last edit or join (may lag by a few seconds on another instance). */
  lastActivity: string;
}

/** Body of `PATCH /api/sessions/:id` (interviewer token); at least one field. */
export interface SessionPatch {
  readOnly?: boolean;
  /** A new password (`PASSWORD_LENGTH`), or `null` to remove it. */
  password?: string | null;
  /** Issues a new owner secret; the old one and its tokens stop working. */
  rotateOwnerSecret?: true;
}

/** Answer of `PATCH /api/sessions/:id`: the new details, plus the new owner secret after a rotation. */
export type PatchedSession = SessionDetails & Partial<Pick<CreatedSession, 'ownerSecret' | 'interviewerUrl'>>;

/**
 * Answer of `GET /api/sessions/:id/runs`: the session's code runs as the server recorded them,
 * oldest first, each with the author's name and role as the server stamped them.
 */
export interface SessionRuns {
  runs: RunRecord[];
}
