import { ErrorCode } from '../../shared/protocol/errors.js';
import { CloseCode } from '../../shared/protocol/close-codes.js';

/** A refusal that callers turn into an HTTP status, a WebSocket close code or a `/ws` error. */
export class SessionError extends Error {
  override name = 'SessionError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The HTTP status this refusal maps to. */
  get status(): number {
    switch (this.code) {
      case ErrorCode.SessionNotFound:
      case ErrorCode.SessionExpired:
        return 404;
      case ErrorCode.Unauthorized:
      case ErrorCode.InvalidCredentials:
      case ErrorCode.ApiKeyRequired:
      case ErrorCode.InvalidApiKey:
        return 401;
      case ErrorCode.Forbidden:
        return 403;
      case ErrorCode.SessionEnded:
        return 410;
      case ErrorCode.DocumentTooLarge:
        return 413;
      case ErrorCode.SessionFull:
      case ErrorCode.TooManyConnections:
      case ErrorCode.RateLimited:
        return 429;
      case ErrorCode.Unavailable:
        return 503;
      default:
        return 400;
    }
  }

  /** The WebSocket close code this refusal maps to. */
  get closeCode(): CloseCode {
    switch (this.code) {
      case ErrorCode.SessionNotFound:
        return CloseCode.SessionNotFound;
      case ErrorCode.SessionExpired:
        return CloseCode.SessionExpired;
      case ErrorCode.Unavailable:
        return CloseCode.TryAgainLater;
      case ErrorCode.Unauthorized:
      case ErrorCode.InvalidCredentials:
        return CloseCode.Unauthorized;
      case ErrorCode.Forbidden:
        return CloseCode.Forbidden;
      case ErrorCode.SessionEnded:
        return CloseCode.SessionEnded;
      case ErrorCode.SessionFull:
      case ErrorCode.TooManyConnections:
      case ErrorCode.RateLimited:
        return CloseCode.TooMany;
      default:
        return CloseCode.BadRequest;
    }
  }
}
