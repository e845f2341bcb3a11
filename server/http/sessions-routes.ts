import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { DEFAULT_LANGUAGE } from '../../shared/languages.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { CreatedSession, IssuedToken, PatchedSession, SessionDetails, SessionRuns } from '../../shared/protocol/rest.js';
import { isSessionId } from '../../shared/session-id.js';
import type { AccessService, SessionView } from '../access/access-service.js';
import type { Presented } from '../access/authorize.js';
import { ThrottledError } from '../access/credential-throttle.js';
import type { Logger } from '../logger.js';
import { SessionError } from '../sessions/session-error.js';
import { apiKeyGuard, bearer } from './api-keys.js';
import { sendError } from './http-error.js';
import type { RateLimits } from './rate-limits.js';
import { requestSchemas } from './rest-schemas.js';

/** Options of the sessions API. */
export interface SessionsRoutesOptions {
  access: AccessService;
  logger: Logger;
  maxBodyBytes: number;
  maxCodeChars: number;
  /** Keys that may create sessions; empty means anyone may. */
  apiKeys: ReadonlySet<string>;
  limits: RateLimits;
}

/** The REST API under `/api/sessions`. */
export function sessionsRoutes(options: SessionsRoutesOptions): Router {
  const { access } = options;
  const router = Router();
  const json = [requireJsonIfBody, express.json({ limit: options.maxBodyBytes, strict: false })];
  const { createBody, tokenBody, patchBody } = requestSchemas(options.maxCodeChars);

  router.post('/', options.limits.create, apiKeyGuard(options.apiKeys), ...json, async (req: Request, res: Response) => {
    const body = parse(createBody, req, res);
    if (!body) return;
    try {
      const { record, ownerSecret } = await access.create(body.language ?? DEFAULT_LANGUAGE, body.code ?? '', body.password);
      const url = `/session/${record.id}`;
      res.status(201).location(url).json({
        id: record.id,
        url,
        interviewerUrl: `${url}#owner=${ownerSecret}`,
        ownerSecret,
        language: record.language,
        private: record.access.passwordHash !== null,
        createdAt: new Date(record.createdAt).toISOString(),
      } satisfies CreatedSession);
    } catch (error) {
      if (error instanceof SessionError) return refuse(error, res);
      options.logger.error({ err: error }, 'session creation failed');
      sendError(res, 503, ErrorCode.Unavailable, 'the session could not be stored; try again shortly');
    }
  });

  router.post('/:id/token', options.limits.token, ...json, handle(async (req, res, id) => {
    const body = parse(tokenBody, req, res);
    if (!body) return;
    const issued = await access.token(id, { ...body, ...presented(req) });
    res.json({ token: issued.token, role: issued.role, expiresAt: new Date(issued.expiresAt).toISOString() } satisfies IssuedToken);
  }));

  router.get('/:id', handle(async (req, res, id) => {
    res.json(view(await access.view(id, presented(req))));
  }));

  router.get('/:id/code', handle(async (req, res, id) => {
    const code = await access.code(id, presented(req));
    res.type('text/plain; charset=utf-8').send(code);
  }));

  router.get('/:id/runs', handle(async (req, res, id) => {
    res.json({ runs: await access.runs(id, presented(req)) } satisfies SessionRuns);
  }));

  router.patch('/:id', ...json, handle(async (req, res, id) => {
    const body = parse(patchBody, req, res);
    if (!body) return;
    const updated = await access.update(id, presented(req), body);
    res.json({
      ...view(updated),
      ...(updated.ownerSecret ? { ownerSecret: updated.ownerSecret, interviewerUrl: `/session/${id}#owner=${updated.ownerSecret}` } : {}),
    } satisfies PatchedSession);
  }));

  router.delete('/:id', handle(async (req, res, id) => {
    await access.end(id, presented(req));
    res.status(204).end();
  }));

  return router;
}

/** The REST form of a session (`GET /api/sessions/:id`, and the base of the PATCH answer). */
function view(session: SessionView): SessionDetails {
  return {
    id: session.id,
    url: `/session/${session.id}`,
    language: session.language,
    participants: session.participants,
    private: session.private,
    readOnly: session.readOnly,
    ended: session.ended,
    role: session.role,
    createdAt: new Date(session.createdAt).toISOString(),
    lastActivity: new Date(session.lastActivity).toISOString(),
  };
}

/** The caller's token and address (the client's, behind TRUST_PROXY proxies). */
function presented(req: Request): Presented {
  return { token: bearer(req), address: req.ip };
}

/** Validates `:id`, runs the handler, and turns refusals into their JSON error. */
function handle(run: (req: Request<{ id: string }>, res: Response, id: string) => Promise<void>): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const id = req.params.id;
    if (!isSessionId(id)) {
      return sendError(res, 400, ErrorCode.InvalidSessionId, `${JSON.stringify(String(id).slice(0, 60))} is not a session id (a UUID v4)`);
    }
    try {
      await run(req, res, id);
    } catch (error) {
      if (error instanceof SessionError) return refuse(error, res);
      throw error;
    }
  };
}

function parse<T>(schema: z.ZodType<T>, req: Request, res: Response): T | null {
  const parsed = schema.safeParse(req.body === undefined ? {} : req.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  const unsupported = issue.path[0] === 'language' && typeof (req.body as { language?: unknown }).language === 'string';
  sendError(res, 400, unsupported ? ErrorCode.UnsupportedLanguage : ErrorCode.InvalidBody, `${where}${issue.message}`);
  return null;
}

function refuse(error: SessionError, res: Response): void {
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  if (error instanceof ThrottledError) res.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
  sendError(res, error.status, error.code, error.message);
}

/** A request that carries a body must say it is JSON (415 otherwise); an empty body is fine. */
function requireJsonIfBody(req: Request, res: Response, next: () => void): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    return sendError(res, 415, ErrorCode.UnsupportedMediaType, 'send the body as application/json');
  }
  next();
}
