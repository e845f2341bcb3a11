import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';

/**
 * Gives each request an id (echoed as `X-Request-Id`, or taken from a proxy's), counts it, and
 * logs method, path, status and duration: never bodies, codes or query strings.
 */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    res.on('finish', () => {
      metrics.httpRequests.inc({ method: req.method, status: String(res.statusCode) });
      if (req.path === '/metrics' || req.path === '/healthz' || req.path === '/readyz') return;
      const entry = { reqId: id, method: req.method, path: req.path, status: res.statusCode, ms: +(performance.now() - started).toFixed(1) };
      if (res.statusCode >= 500) logger.error(entry, 'request failed');
      else logger.debug(entry, 'request');
    });
    next();
  };
}
