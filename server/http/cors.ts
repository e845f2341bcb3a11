import type { RequestHandler } from 'express';

/** Which origins may use the API and load the embed bundle: every origin, or an exact list. */
export type AllowedOrigins = '*' | ReadonlySet<string>;

/** Whether a browser `Origin` header value is allowed (requests without one are not cross-origin). */
export function isOriginAllowed(allowed: AllowedOrigins, origin: string | undefined): boolean {
  return origin === undefined || allowed === '*' || allowed.has(origin);
}

/**
 * CORS for embedders: the embed bundle is a module script (fetched in CORS mode) and the
 * component calls the REST API from the embedding page's origin. No credentials are involved,
 * so an allowed origin gets a plain `Access-Control-Allow-Origin` and preflights are answered here.
 */
export function cors(allowed: AllowedOrigins): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && isOriginAllowed(allowed, origin)) {
      res.setHeader('Access-Control-Allow-Origin', allowed === '*' ? '*' : origin);
      if (allowed !== '*') res.vary('Origin');
      res.setHeader('Access-Control-Expose-Headers', 'Location');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
