import type { ErrorRequestHandler, Response } from 'express';
import { ErrorCode, type ErrorBody } from '../../shared/protocol/errors.js';
import type { Logger } from '../logger.js';

/** Sends the JSON error body every REST error uses. */
export function sendError(res: Response, status: number, code: ErrorCode, message: string): void {
  const body: ErrorBody = { error: { code, message } };
  res.status(status).json(body);
}

/**
 * Last error handler: body-parser failures become 400/413/415 with a clear message; anything else
 * is logged and answered 500 without details.
 */
export function errorHandler(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: { type?: string; status?: number; message?: string }, _req, res, next) => {
    if (res.headersSent) return next(error);
    switch (error.type) {
      case 'entity.parse.failed':
        return sendError(res, 400, ErrorCode.InvalidJson, `request body is not valid JSON: ${error.message ?? ''}`.trim());
      case 'entity.too.large':
        return sendError(res, 413, ErrorCode.PayloadTooLarge, `request body exceeds the limit of ${maxBodyBytes} bytes`);
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return sendError(res, 415, ErrorCode.UnsupportedMediaType, error.message ?? 'unsupported body encoding');
      case 'request.aborted':
        return sendError(res, 400, ErrorCode.InvalidBody, 'request body was not received completely');
    }
    if (error.status && error.status >= 400 && error.status < 500) {
      return sendError(res, error.status, ErrorCode.InvalidBody, error.message ?? 'bad request');
    }
    logger.error({ err: error }, 'unhandled request error');
    sendError(res, 500, ErrorCode.Internal, 'internal error');
  };
}
