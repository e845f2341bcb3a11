import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers (helmet) with a Content Security Policy the app and the embed bundle work
 * under: scripts only from this origin (the app has no inline script), styles from this origin
 * plus inline ones (Lit and CodeMirror set element styles, the shell has one <style>),
 * connections to this origin including its WebSockets, no plugins, no framing by other sites.
 * The embed bundle is loaded by other sites, so resources are `Cross-Origin-Resource-Policy:
 * cross-origin`; CORS (ALLOWED_ORIGINS) still decides who may call the API.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}
