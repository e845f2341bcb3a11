import { z } from 'zod';
import {
  createdSessionSchema,
  errorBodySchema,
  issuedTokenSchema,
  patchedSessionSchema,
  requestSchemas,
  sessionDetailsSchema,
  sessionRunsSchema,
} from './rest-schemas.js';

/** What the document depends on in the server's configuration. */
export interface OpenApiOptions {
  maxCodeChars: number;
  /** Whether `API_KEYS` is set, so creating a session needs a key. */
  apiKeysRequired: boolean;
}

type JsonObject = Record<string, unknown>;

/**
 * The component form of a schema with a `meta({ id })`: zod's JSON Schema (draft 2020-12, the
 * dialect of OpenAPI 3.1) of it, as the input a client sends or the output it receives.
 */
function component(schema: z.ZodType, io: 'input' | 'output'): [string, JsonObject] {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject & { $defs?: Record<string, JsonObject> };
  const defs = generated.$defs ?? {};
  const [id] = Object.keys(defs);
  if (!id) throw new Error('a REST schema needs meta({ id })');
  return [id, defs[id]!];
}

const ref = (id: string): JsonObject => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string): JsonObject => ({ content: { 'application/json': { schema: ref(id) } } });

/** Error answers by status, each with the codes it can carry. */
const ERRORS: Record<number, string> = {
  400: 'Bad input (`invalid_json`, `invalid_body`, `unsupported_language`, `invalid_session_id`); nothing changed.',
  401: 'No valid credentials (`unauthorized`, `invalid_credentials`, `api_key_required`, `invalid_api_key`).',
  403: 'The token is for another session or role (`forbidden`).',
  404: 'No such session (`session_not_found`), or it expired (`session_expired`).',
  410: 'The interviewer ended the session (`session_ended`): only the interviewer still reads it.',
  413: 'The body is over `MAX_BODY_BYTES` (`payload_too_large`).',
  415: 'The body is not `application/json` (`unsupported_media_type`).',
  429: 'Too many requests from this address, or too many failed credential checks (`rate_limited`); see `Retry-After`.',
  503: 'Storage is unavailable (`unavailable`); try again shortly.',
};

function errors(...statuses: number[]): Record<string, JsonObject> {
  return Object.fromEntries(statuses.map((status) => [String(status), { description: ERRORS[status], ...json('Error') }]));
}

const sessionId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The session id (a UUID v4).',
  schema: { type: 'string', format: 'uuid' },
  example: '5b0e4f8a-9c1d-4e2f-8a3b-6c7d8e9f0a1b',
};

/** Either the session's token or none (an ordinary session's candidate needs none). */
const tokenOptional = [{ sessionToken: [] }, {}];

/**
 * The OpenAPI 3.1 document of the REST API (`GET /api/openapi.json`), generated from the zod
 * schemas the routes validate requests with and the response schemas bound to the shared
 * contract types, so it cannot drift from what the server accepts and answers.
 */
export function openApiDocument(options: OpenApiOptions): JsonObject {
  const requests = requestSchemas(options.maxCodeChars);
  const schemas = Object.fromEntries([
    component(requests.createBody, 'input'),
    component(requests.tokenBody, 'input'),
    component(requests.patchBody, 'input'),
    component(createdSessionSchema, 'output'),
    component(issuedTokenSchema, 'output'),
    component(sessionDetailsSchema, 'output'),
    component(patchedSessionSchema, 'output'),
    component(sessionRunsSchema, 'output'),
    component(errorBodySchema, 'output'),
  ]);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Interview Room',
      version: '1.0.0',
      description:
        'REST API of the collaborative coding-interview service. Errors are `{ "error": { "code", "message" } }`. ' +
        'Real-time editing uses WebSockets (`/yjs/<id>`, y-websocket; `/ws`, JSON), described in docs/protocol.md.',
    },
    servers: [{ url: '/' }],
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'One of `API_KEYS` (needed to create sessions when the server sets them).' },
        sessionToken: { type: 'http', scheme: 'bearer', description: 'A session token from `POST /api/sessions/{id}/token`.' },
      },
    },
    paths: {
      '/api/sessions': {
        post: {
          operationId: 'createSession',
          summary: 'Create a session',
          security: options.apiKeysRequired ? [{ apiKey: [] }] : [{ apiKey: [] }, {}],
          requestBody: { required: false, ...json('CreateSessionRequest') },
          responses: {
            '201': {
              description: 'Created. `Location` is the candidate link; `ownerSecret` is shown only here.',
              headers: { Location: { schema: { type: 'string' } } },
              ...json('CreatedSession'),
            },
            ...errors(400, 401, 413, 415, 429, 503),
          },
        },
      },
      '/api/sessions/{id}': {
        parameters: [sessionId],
        get: {
          operationId: 'getSession',
          summary: "The session, as the caller's role may see it",
          security: tokenOptional,
          responses: { '200': { description: 'The session.', ...json('SessionDetails') }, ...errors(400, 401, 403, 404, 410, 429, 503) },
        },
        patch: {
          operationId: 'updateSession',
          summary: 'Lock or unlock, change the password, rotate the owner secret (interviewer)',
          security: [{ sessionToken: [] }],
          requestBody: { required: true, ...json('SessionPatch') },
          responses: {
            '200': { description: 'The session after the change (and the new owner secret after a rotation).', ...json('PatchedSession') },
            ...errors(400, 401, 403, 404, 410, 413, 415, 429, 503),
          },
        },
        delete: {
          operationId: 'endSession',
          summary: 'End the session for everyone (interviewer)',
          security: [{ sessionToken: [] }],
          responses: { '204': { description: 'Ended: every connection closed with 4411.' }, ...errors(400, 401, 403, 404, 410, 429, 503) },
        },
      },
      '/api/sessions/{id}/token': {
        parameters: [sessionId],
        post: {
          operationId: 'issueToken',
          summary: 'Exchange the owner secret or the password (or a valid token) for a token',
          security: tokenOptional,
          requestBody: { required: false, ...json('TokenRequest') },
          responses: { '200': { description: 'A signed, expiring token.', ...json('IssuedToken') }, ...errors(400, 401, 403, 404, 410, 413, 415, 429, 503) },
        },
      },
      '/api/sessions/{id}/code': {
        parameters: [sessionId],
        get: {
          operationId: 'getCode',
          summary: 'The current code',
          security: tokenOptional,
          responses: {
            '200': { description: 'The code as plain text.', content: { 'text/plain': { schema: { type: 'string' }, example: 'def solve():\n    return 42\n' } } },
            ...errors(400, 401, 403, 404, 410, 429, 503),
          },
        },
      },
      '/api/sessions/{id}/runs': {
        parameters: [sessionId],
        get: {
          operationId: 'listRuns',
          summary: 'The code runs, oldest first (the last 20)',
          security: tokenOptional,
          responses: { '200': { description: 'The runs.', ...json('SessionRuns') }, ...errors(400, 401, 403, 404, 410, 429, 503) },
        },
      },
      '/healthz': {
        get: { operationId: 'health', summary: 'Liveness: 200 while the process answers', security: [{}], responses: { '200': { description: 'Alive.' } } },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'Readiness: storage (and Redis, when configured) answer',
          security: [{}],
          responses: { '200': { description: 'Ready.' }, '503': { description: 'Not ready; the failing dependency is named.' } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          security: [{}],
          responses: { '200': { description: 'Metrics in the Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/api/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          security: [{}],
          responses: { '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
  };
}
