import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { DEFAULT_LANGUAGE, LANGUAGES } from '../../shared/languages.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import { isSessionId } from '../../shared/session-id.js';
import type { Logger } from '../logger.js';
import { SessionError } from '../sessions/session-error.js';
import type { SessionHub } from '../sessions/session-hub.js';
import { sendError } from './http-error.js';

/** Options of the sessions API. */
export interface SessionsRoutesOptions {
  hub: SessionHub;
  logger: Logger;
  maxBodyBytes: number;
  maxCodeChars: number;
}

/** The REST API under `/api/sessions`. */
export function sessionsRoutes(options: SessionsRoutesOptions): Router {
  const { hub } = options;
  const router = Router();
  const createBody = z
    .object({
      language: z.enum(LANGUAGES, { error: () => `language must be one of ${LANGUAGES.join(', ')}` }).optional(),
      code: z.string().max(options.maxCodeChars, `code must be at most ${options.maxCodeChars} characters`).optional(),
    })
    .strict();

  router.post(
    '/',
    requireJsonIfBody,
    express.json({ limit: options.maxBodyBytes, strict: false }),
    async (req: Request, res: Response) => {
      const parsed = createBody.safeParse(req.body === undefined ? {} : req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
        const unsupported = issue.path[0] === 'language' && typeof (req.body as { language?: unknown }).language === 'string';
        return sendError(res, 400, unsupported ? ErrorCode.UnsupportedLanguage : ErrorCode.InvalidBody, `${where}${issue.message}`);
      }
      const language = parsed.data.language ?? DEFAULT_LANGUAGE;
      let record;
      try {
        record = await hub.create(language, parsed.data.code ?? '');
      } catch (error) {
        options.logger.error({ err: error }, 'session creation failed');
        return sendError(res, 503, ErrorCode.Unavailable, 'the session could not be stored; try again shortly');
      }
      const url = `/session/${record.id}`;
      res.status(201).location(url).json({
        id: record.id,
        url,
        language: record.language,
        createdAt: new Date(record.createdAt).toISOString(),
      });
    },
  );

  router.get('/:id', async (req: Request<{ id: string }>, res: Response) => {
    const id = req.params.id;
    if (!checkId(id, res)) return;
    try {
      const info = await hub.describe(id);
      res.json({
        id: info.id,
        url: `/session/${info.id}`,
        language: info.language,
        participants: info.participants,
        createdAt: new Date(info.createdAt).toISOString(),
        lastActivity: new Date(info.lastActivity).toISOString(),
      });
    } catch (error) {
      refuse(error, res);
    }
  });

  router.get('/:id/code', async (req: Request<{ id: string }>, res: Response) => {
    const id = req.params.id;
    if (!checkId(id, res)) return;
    try {
      const code = await hub.code(id);
      res.type('text/plain; charset=utf-8').send(code);
    } catch (error) {
      refuse(error, res);
    }
  });

  return router;
}

function checkId(id: string, res: Response): boolean {
  if (isSessionId(id)) return true;
  sendError(res, 400, ErrorCode.InvalidSessionId, `${JSON.stringify(String(id).slice(0, 60))} is not a session id (a UUID v4)`);
  return false;
}

function refuse(error: unknown, res: Response): void {
  if (error instanceof SessionError) return sendError(res, error.status, error.code, error.message);
  throw error;
}

/** A request that carries a body must say it is JSON (415 otherwise); an empty body is fine. */
function requireJsonIfBody(req: Request, res: Response, next: () => void): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    return sendError(res, 415, ErrorCode.UnsupportedMediaType, 'send the body as application/json');
  }
  next();
}
