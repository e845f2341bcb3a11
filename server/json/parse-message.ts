import { z } from 'zod';
import { LANGUAGES } from '../../shared/languages.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { JsonClientMessage } from '../../shared/protocol/json-messages.js';

const schemas = {
  join: z.object({
    type: z.literal('join'),
    sessionId: z.string().max(100),
    name: z.string().max(100).optional(),
    token: z.string().max(2000).optional(),
    password: z.string().max(200).optional(),
    ownerSecret: z.string().max(200).optional(),
  }),
  codeChange: z.object({
    type: z.literal('codeChange'),
    code: z.string(),
    version: z.number().int().nonnegative().optional(),
  }),
  languageChange: z.object({
    type: z.literal('languageChange'),
    language: z.string().max(100),
  }),
} as const;

/** Outcome of reading one `/ws` frame: the message, or the error to send back. */
export type ParseResult =
  | { ok: true; message: JsonClientMessage }
  | { ok: false; code: ErrorCode; message: string };

/** Parses and validates one text frame of the `/ws` protocol. Never throws. */
export function parseClientMessage(raw: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, code: ErrorCode.InvalidJson, message: `message is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: ErrorCode.InvalidMessage, message: 'message must be a JSON object with a "type"' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, code: ErrorCode.InvalidMessage, message: 'message must have a string "type"' };
  }
  if (!Object.hasOwn(schemas, type)) {
    return {
      ok: false,
      code: ErrorCode.UnknownType,
      message: `unknown message type ${JSON.stringify(type.slice(0, 40))}; expected one of ${Object.keys(schemas).join(', ')}`,
    };
  }
  const parsed = schemas[type as keyof typeof schemas].safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, code: ErrorCode.InvalidMessage, message: `${type}.${issue.path.join('.')}: ${issue.message}` };
  }
  if (parsed.data.type === 'languageChange' && !(LANGUAGES as readonly string[]).includes(parsed.data.language)) {
    return {
      ok: false,
      code: ErrorCode.UnsupportedLanguage,
      message: `language ${JSON.stringify(parsed.data.language)} is not supported; use one of ${LANGUAGES.join(', ')}`,
    };
  }
  return { ok: true, message: parsed.data as JsonClientMessage };
}
