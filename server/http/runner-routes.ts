import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import type { AllowedOrigins } from './cors.js';

/** Options of the runner routes. */
export interface RunnerRoutesOptions {
  /** Folder of the built web app; the runner frame (sources in web/sandbox/) is built into its `runner/` folder. */
  webRoot: string;
  /** Origins that may embed the room, and so must be able to frame the runner. */
  allowedOrigins: AllowedOrigins;
}

/** The files of the pyodide package a browser needs (runtime, standard library, lock file, maps). */
const PYODIDE_FILES = /^\/(pyodide(\.asm)?\.(mjs|js|wasm)|python_stdlib\.zip|pyodide-lock\.json|pyodide\.m?js\.map)$/;

/** Folder and version of the installed `pyodide` package. */
export function pyodidePackage(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('pyodide/pyodide.mjs'));
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

/**
 * The Content Security Policy of the runner frame. `sandbox allow-scripts` makes its origin opaque
 * even if someone frames it without the `sandbox` attribute or opens it directly, so code run there
 * never reaches this origin's storage. Scripts: the frame's own script, `data:` for the worker and
 * the user's module, `blob:` for Pyodide's modules handed over by the page, eval for user code that
 * wants it, and WebAssembly for Pyodide. Connections only
 * to this server (Pyodide's files; user code's fetches carry no credentials of the page).
 */
export function runnerFrameCsp(allowedOrigins: AllowedOrigins): string {
  const ancestors = allowedOrigins === '*' ? '*' : ["'self'", ...allowedOrigins].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' data: blob:",
    'worker-src data:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
    'sandbox allow-scripts',
  ].join('; ');
}

/** Files a browser would render as a document, so able to run script with this server's origin. */
const DOCUMENT_FILE = /\.(html?|xhtml|xht|svg|xml)$/i;

/**
 * The `setHeaders` of every static handler that serves the built web root (pass it to
 * `express.static`): it decides by the file being sent, not by the URL that asked for it, because
 * many spellings reach the same file (`/runner//frame.html`, `/runner/./frame.html`,
 * `/%72unner/frame.html`, `/runner%2fframe.html`...). Every document but the app shell
 * (`index.html`) is served as the runner frame is: with the frame's CSP (`sandbox allow-scripts`,
 * so an opaque origin), framable by the allowed origins, and revalidated on each load. A document
 * that lands in the build by mistake is sandboxed too.
 */
export function servedFileHeaders(options: RunnerRoutesOptions): (res: ServerResponse, file: string) => void {
  const csp = runnerFrameCsp(options.allowedOrigins);
  const appShell = path.resolve(options.webRoot, 'index.html');
  return (res, file) => {
    if (!DOCUMENT_FILE.test(file) || path.resolve(file) === appShell) return;
    res.setHeader('Content-Security-Policy', csp);
    // helmet's X-Frame-Options would stop other origins from framing the runner; frame-ancestors rules.
    res.removeHeader('X-Frame-Options');
    res.setHeader('Cache-Control', 'no-cache');
  };
}

/**
 * `/runner/frame.html` (its own CSP, framable by every origin allowed to embed), the frame's
 * hashed script, and `/pyodide/<version>/*` from the pyodide package with
 * `Access-Control-Allow-Origin: *` (the worker loading it has an opaque origin) and a year of
 * caching (the version is in the path, so an upgrade changes the URLs). The frame's headers come
 * from `servedFileHeaders`, which the app's own static handler uses as well.
 */
export function runnerRoutes(options: RunnerRoutesOptions): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const runnerDir = path.join(options.webRoot, 'runner');
  const pyodide = pyodidePackage();

  router.get('/runner/frame.html', (_req, res, next) => {
    if (fs.existsSync(path.join(runnerDir, 'frame.html'))) {
      next();
      return;
    }
    res.status(503).type('text/plain').send('The runner frame is not built yet: run `npm run build`.\n');
  });
  router.use('/runner', express.static(runnerDir, { index: false, maxAge: '1y', immutable: true, setHeaders: servedFileHeaders(options) }));

  router.use(
    `/pyodide/${pyodide.version}`,
    (req, res, next) => {
      // Only what loadPyodide fetches: not the package's README, typings or demo console page.
      if (!PYODIDE_FILES.test(req.path)) {
        next('router');
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', '*');
      next();
    },
    express.static(pyodide.dir, {
      index: false,
      maxAge: '1y',
      immutable: true,
      setHeaders: (res, file) => {
        if (file.endsWith('.mjs')) res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
      },
    }),
  );
  return router;
}
