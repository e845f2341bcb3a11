import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ErrorCode } from '../../shared/protocol/errors.js';
import { sendError } from './http-error.js';

/** Per-address request limits of the REST API (each a fixed one-minute window). */
export interface RateLimits {
  /** Every `/api` request. */
  api: RequestHandler;
  /** Session creation. */
  create: RequestHandler;
  /** Token requests: the password-guessing surface, so the tightest. */
  token: RequestHandler;
}

/** Builds the limiters; a limit of 0 turns one off. */
export function rateLimits(perMinute: { api: number; create: number; token: number }): RateLimits {
  const limiter = (limit: number, what: string): RequestHandler => {
    if (limit <= 0) return (_req, _res, next) => next();
    return rateLimit({
      windowMs: 60_000,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, res) => sendError(res, 429, ErrorCode.RateLimited, `too many ${what} from your address; try again in a minute`),
    });
  };
  return {
    api: limiter(perMinute.api, 'requests'),
    create: limiter(perMinute.create, 'new sessions'),
    token: limiter(perMinute.token, 'sign-in attempts'),
  };
}
