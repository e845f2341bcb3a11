/** The browser's client for the REST API (`/api/sessions`). */
import type { Language } from '../../shared/languages.js';

/** A session as `POST /api/sessions` returns it. */
export interface CreatedSession {
  id: string;
  /** The shareable path, `/session/<id>`. */
  url: string;
  language: Language;
  createdAt: string | number;
}

/** An API failure with the server's stable error code (`not_found`, ...) and message. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(res.status, body.error?.code ?? 'unknown', body.error?.message ?? res.statusText);
  } catch {
    return new ApiError(res.status, 'unknown', `HTTP ${res.status} ${res.statusText}`);
  }
}

/** Creates a session in `language` on the server at `base` (default: this page's origin). */
export async function createSession(language: Language, base = ''): Promise<CreatedSession> {
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ language }),
  });
  if (res.status !== 201) throw await failure(res);
  return (await res.json()) as CreatedSession;
}
