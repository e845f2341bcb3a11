import { z } from 'zod';
import { LANGUAGES } from '../../shared/languages.js';
import { ErrorCode, type ErrorBody } from '../../shared/protocol/errors.js';
import {
  PASSWORD_LENGTH,
  type CreatedSession,
  type CreateSessionRequest,
  type IssuedToken,
  type PatchedSession,
  type SessionDetails,
  type SessionPatch,
  type SessionRuns,
  type TokenRequest,
} from '../../shared/protocol/rest.js';
import { ROLES } from '../../shared/roles.js';
import { OUTPUT_STREAMS, RUN_STATUSES } from '../../shared/runs.js';

// The schemas the REST routes validate with, and from which /api/openapi.json is generated. Each
// is checked against the shared contract type (`satisfies z.ZodType<…>`), so the two cannot drift.

const password = z
  .string()
  .min(PASSWORD_LENGTH.min, `password must be at least ${PASSWORD_LENGTH.min} characters`)
  .max(PASSWORD_LENGTH.max, `password must be at most ${PASSWORD_LENGTH.max} characters`);

/** The request bodies, with the server's code size limit. */
export function requestSchemas(maxCodeChars: number) {
  return {
    createBody: z
      .object({
        language: z.enum(LANGUAGES, { error: () => `language must be one of ${LANGUAGES.join(', ')}` }).optional(),
        code: z.string().max(maxCodeChars, `code must be at most ${maxCodeChars} characters`).optional(),
        password: password.optional(),
      })
      .strict()
      .meta({ id: 'CreateSessionRequest', example: { language: 'python', code: 'def solve():\n    pass\n' } }) satisfies z.ZodType<CreateSessionRequest>,
    tokenBody: z
      .object({ ownerSecret: z.string().max(200).optional(), password: z.string().max(200).optional() })
      .strict()
      .meta({ id: 'TokenRequest', example: { password: 'correct horse' } }) satisfies z.ZodType<TokenRequest>,
    patchBody: z
      .object({ readOnly: z.boolean().optional(), password: password.nullable().optional(), rotateOwnerSecret: z.literal(true).optional() })
      .strict()
      .refine((body) => Object.keys(body).length > 0, 'give at least one of readOnly, password, rotateOwnerSecret')
      .meta({ id: 'SessionPatch', example: { readOnly: true } }) satisfies z.ZodType<SessionPatch>,
  };
}

const id = z.uuid({ version: 'v4' });
const isoTime = z.iso.datetime();
const language = z.enum(LANGUAGES);
const role = z.enum(ROLES);

/** `POST /api/sessions` → 201. */
export const createdSessionSchema = z
  .object({
    id,
    url: z.string(),
    interviewerUrl: z.string(),
    ownerSecret: z.string(),
    language,
    private: z.boolean(),
    createdAt: isoTime,
  })
  .meta({ id: 'CreatedSession' }) satisfies z.ZodType<CreatedSession>;

/** `POST /api/sessions/:id/token` → 200. */
export const issuedTokenSchema = z.object({ token: z.string(), role, expiresAt: isoTime }).meta({ id: 'IssuedToken' }) satisfies z.ZodType<IssuedToken>;

const sessionDetailsShape = {
  id,
  url: z.string(),
  language,
  participants: z.int().min(0),
  private: z.boolean(),
  readOnly: z.boolean(),
  ended: z.boolean(),
  role,
  createdAt: isoTime,
  lastActivity: isoTime,
};

/** `GET /api/sessions/:id` → 200. */
export const sessionDetailsSchema = z.object(sessionDetailsShape).meta({ id: 'SessionDetails' }) satisfies z.ZodType<SessionDetails>;

/** `PATCH /api/sessions/:id` → 200. */
export const patchedSessionSchema = z
  .object({ ...sessionDetailsShape, ownerSecret: z.string().optional(), interviewerUrl: z.string().optional() })
  .meta({ id: 'PatchedSession' }) satisfies z.ZodType<PatchedSession>;

/** `GET /api/sessions/:id/runs` → 200. */
export const sessionRunsSchema = z
  .object({
    runs: z.array(
      z.object({
        id: z.string(),
        by: z.string(),
        role,
        language: z.string(),
        startedAt: z.number(),
        status: z.enum(RUN_STATUSES),
        durationMs: z.number().optional(),
        truncated: z.boolean(),
        output: z.array(z.object({ stream: z.enum(OUTPUT_STREAMS), text: z.string() })),
      }),
    ),
  })
  .meta({ id: 'SessionRuns' }) satisfies z.ZodType<SessionRuns>;

/** Every error answer. */
export const errorBodySchema = z
  .object({ error: z.object({ code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]), message: z.string() }) })
  .meta({ id: 'Error', example: { error: { code: 'session_not_found', message: 'session 5b0e4f8a-… does not exist' } } }) satisfies z.ZodType<ErrorBody>;
