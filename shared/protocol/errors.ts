/**
 * Stable error codes, used in REST error bodies (`{ error: { code, message } }`) and in `/ws`
 * `error` messages. Clients branch on the code; the message is for people.
 */
export const ErrorCode = {
  InvalidJson: 'invalid_json',
  InvalidBody: 'invalid_body',
  InvalidMessage: 'invalid_message',
  UnknownType: 'unknown_type',
  UnsupportedMediaType: 'unsupported_media_type',
  PayloadTooLarge: 'payload_too_large',
  InvalidSessionId: 'invalid_session_id',
  SessionNotFound: 'session_not_found',
  SessionExpired: 'session_expired',
  UnsupportedLanguage: 'unsupported_language',
  CodeTooLarge: 'code_too_large',
  NotJoined: 'not_joined',
  AlreadyJoined: 'already_joined',
  NotFound: 'not_found',
  Unavailable: 'unavailable',
  Internal: 'internal_error',
  Unauthorized: 'unauthorized',
  InvalidCredentials: 'invalid_credentials',
  Forbidden: 'forbidden',
  SessionEnded: 'session_ended',
  ReadOnly: 'read_only',
  DocumentTooLarge: 'document_too_large',
  SessionFull: 'session_full',
  TooManyConnections: 'too_many_connections',
  RateLimited: 'rate_limited',
  ApiKeyRequired: 'api_key_required',
  InvalidApiKey: 'invalid_api_key',
} as const;

/** One of the error codes above. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Body of every REST error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
