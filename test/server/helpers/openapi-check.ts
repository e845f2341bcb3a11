import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../../server/http/openapi.js';

/** The document as a server with default limits and no API keys serves it. */
export const documented = openApiDocument({ maxCodeChars: 500_000, apiKeysRequired: false }) as {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
};

/** A documented path template as a regular expression over request paths (`{id}` is one segment). */
const templates = Object.keys(documented.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The template that documents `path`, if any. */
export function templateOf(path: string): string | undefined {
  return templates.find(({ pattern }) => pattern.test(path))?.template;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: 'openapi', components: documented.components });
const validators = new Map<string, ValidateFunction>();

function validatorFor(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    // `#/components/…` references resolve against the document registered above.
    validate = ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/')) as object);
    validators.set(key, validate);
  }
  return validate;
}

/**
 * Why a response does not match the document, or null when it does: its path and method must be
 * documented, its status must be one of the operation's, and a JSON body must match that status's
 * schema.
 */
export function violation(method: string, path: string, status: number, contentType: string | null, body: string): string | null {
  // CORS preflights are the browser's, not operations of the API.
  if (method === 'OPTIONS') return null;
  const template = templateOf(path);
  const operation = template ? documented.paths[template]![method.toLowerCase()] : undefined;
  // An unknown route is answered with the documented error shape; anything else must be documented.
  if (!template || !operation) return status === 404 ? checkBody(errorSchema, contentType, body, `${method} ${path}`) : `${method} ${path} is not documented`;
  const response = operation.responses?.[String(status)];
  if (!response) return `${method} ${template} answered ${status}, which is not documented`;
  return checkBody(response.content?.['application/json']?.schema, contentType, body, `${method} ${template} ${status}`);
}

const errorSchema = { $ref: '#/components/schemas/Error' };

/** Why a JSON body does not match `schema`, or null. */
function checkBody(schema: unknown, contentType: string | null, body: string, what: string): string | null {
  if (!schema || !contentType?.includes('application/json')) return null;
  const validate = validatorFor(schema);
  if (validate(JSON.parse(body))) return null;
  return `${what}: ${ajv.errorsText(validate.errors)} in ${body.slice(0, 200)}`;
}

const seen: string[] = [];
const pending = new Set<Promise<void>>();
let installed = false;

/**
 * Checks every REST answer the server tests receive through `fetch` against the OpenAPI document
 * (`/api/*` only: the web pages are not part of the API). Failures are collected and reported by
 * `responseViolations` when a test server closes.
 */
export function checkResponsesAgainstOpenApi(): void {
  if (installed) return;
  installed = true;
  const fetchOriginal = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetchOriginal(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) || !url.pathname.startsWith('/api/')) return response;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const check = response
      .clone()
      .text()
      .then((body) => {
        const problem = violation(method, url.pathname, response.status, response.headers.get('content-type'), body);
        if (problem) seen.push(`${url.origin}: ${problem}`);
      })
      .catch(() => undefined);
    pending.add(check);
    void check.finally(() => pending.delete(check));
    return response;
  };
}

/** The violations seen so far for responses from `origin`, once every check in flight has finished. */
export async function responseViolations(origin: string): Promise<string[]> {
  await Promise.all(pending);
  return seen.filter((line) => line.startsWith(`${origin}: `));
}
