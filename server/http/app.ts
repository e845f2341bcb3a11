import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { Logger } from '../logger.js';
import type { AccessService } from '../access/access-service.js';
import type { Config } from '../config.js';
import { rateLimits } from './rate-limits.js';
import { securityHeaders } from './security-headers.js';
import { cors, type AllowedOrigins } from './cors.js';
import { healthRoutes, type ReadinessProbe } from './health-routes.js';
import { errorHandler, sendError } from './http-error.js';
import { requestLog } from './request-log.js';
import type { Metrics } from '../observability/metrics.js';
import { openApiDocument } from './openapi.js';
import { sessionsRoutes } from './sessions-routes.js';
import { runnerRoutes, servedFileHeaders } from './runner-routes.js';
import { CACHE_FOREVER, isContentHashed, REVALIDATE, staticFiles } from './static-files.js';

/** Options of the HTTP application. */
export interface AppOptions {
  access: AccessService;
  apiKeys: ReadonlySet<string>;
  rateLimits: Config['rateLimits'];
  /** Hops of trusted proxies (rate limits key on the client address they report). */
  trustProxy: number;
  logger: Logger;
  maxBodyBytes: number;
  maxCodeChars: number;
  allowedOrigins: AllowedOrigins;
  metrics: Metrics;
  probes: ReadinessProbe[];
  /** Folder of the built web app (index.html and assets); absent in server-only setups. */
  webRoot: string;
}

/** The express application: REST API, health, and the web app with its client-side routes. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy);
  app.use(requestLog(options.logger, options.metrics));
  app.use(securityHeaders());
  app.use(cors(options.allowedOrigins));
  app.use(healthRoutes(options));
  const limits = rateLimits(options.rateLimits);
  app.use('/api', limits.api);
  app.use('/api/sessions', sessionsRoutes({ ...options, limits }));
  const openApi = openApiDocument({ maxCodeChars: options.maxCodeChars, apiKeysRequired: options.apiKeys.size > 0 });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use('/api', (req, res) => sendError(res, 404, ErrorCode.NotFound, `no API route ${req.method} ${req.originalUrl}`));

  app.use(runnerRoutes(options));
  // Content-hashed files are cached for good; stable names (the embed script) revalidate. Documents
  // other than the app shell get the runner frame's sandbox, whatever URL reached them.
  app.use(
    staticFiles(options.webRoot, {
      cacheControl: (file) => (isContentHashed(file) ? CACHE_FOREVER : REVALIDATE),
      setHeaders: servedFileHeaders(options),
    }),
  );
  const indexFile = path.join(options.webRoot, 'index.html');
  // Client-side routes: the home page and the room share one document.
  app.get(['/', '/session/:id'], (_req, res) => {
    if (!fs.existsSync(indexFile)) {
      res.status(503).type('text/plain').send('The web app is not built yet: run `npm run build`.\n');
      return;
    }
    res.sendFile(indexFile, { headers: { 'Cache-Control': 'no-cache' } });
  });

  app.use((req, res) => sendError(res, 404, ErrorCode.NotFound, `no route ${req.method} ${req.path}`));
  app.use(errorHandler(options.logger, options.maxBodyBytes));
  return app;
}
