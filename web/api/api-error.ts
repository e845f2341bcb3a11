/** How the REST API reports failures, as the browser sees them. */

/** An API failure with the server's stable error code (`not_found`, `invalid_credentials`, ...) and message. */
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

/** The `ApiError` for a failed response (`{ error: { code, message } }`, or the bare status). */
export async function failure(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(res.status, body.error?.code ?? 'unknown', body.error?.message ?? res.statusText);
  } catch {
    return new ApiError(res.status, 'unknown', `HTTP ${res.status} ${res.statusText}`);
  }
}

/** Request headers: JSON body, plus `Authorization: Bearer` when a token or API key is given. */
export function headers(bearer?: string | null): Record<string, string> {
  return { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) };
}

/** `base` without trailing slashes, so `${base}/api/...` never doubles one ('' is the page's origin). */
export function apiBase(base: string): string {
  return base.replace(/\/+$/, '');
}
