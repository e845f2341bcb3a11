import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ErrorCode } from '../../shared/protocol/errors.js';
import { sendError } from './http-error.js';

/** The value of an `Authorization: Bearer <value>` header, if there is one. */
export function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(.+?)\s*$/i.exec(header) : null;
  return match?.[1];
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * When API keys are configured, lets a request through only with one of them as a bearer
 * credential (401 otherwise). Keys are compared as SHA-256 digests in constant time, so neither
 * their length nor their content leaks through timing.
 */
export function apiKeyGuard(keys: ReadonlySet<string>): RequestHandler {
  const digests = [...keys].map(digest);
  return (req, res, next) => {
    if (digests.length === 0) return next();
    const presented = bearer(req);
    if (!presented) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 401, ErrorCode.ApiKeyRequired, 'creating sessions needs an API key: Authorization: Bearer <key>');
    }
    const candidate = digest(presented);
    // Every key is compared, matching or not, so the position of a match does not show either.
    let ok = false;
    for (const key of digests) ok = timingSafeEqual(candidate, key) || ok;
    if (!ok) return sendError(res, 401, ErrorCode.InvalidApiKey, 'the API key is not valid');
    next();
  };
}
