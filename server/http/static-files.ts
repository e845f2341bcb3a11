import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** A year, the longest lifetime caches honour: for files whose name changes with their content. */
export const CACHE_FOREVER = 'public, max-age=31536000, immutable';
/** Revalidate on every use (a 304 when unchanged): for stable URLs whose content changes. */
export const REVALIDATE = 'no-cache';

/**
 * Whether a built file's name carries a hash of its content, so it can be cached for good: the
 * bundler's `-XXXXXXXX` (base32) before `.js`/`.css` (and its source map), or the pinned embed's
 * `-<12 hex digits>.js`.
 */
export function isContentHashed(relative: string): boolean {
  return /-[A-Z0-9]{8}\.(js|css)(\.map)?$/.test(relative) || /-[0-9a-f]{12}\.js$/.test(relative);
}

/** Options of `staticFiles`. */
export interface StaticFilesOptions {
  /** The Cache-Control of a file, by its path below the root (forward slashes, no leading one). */
  cacheControl(relative: string): string;
  /** Only these files are served; the rest falls through to the next handler. */
  filter?(relative: string): boolean;
  /** Further headers by the file sent (its uncompressed path on disk), as `express.static` takes them. */
  setHeaders?(res: ServerResponse, file: string): void;
  /** Where the precompressed `<relative>.br` and `.gz` variants live; beside the files by default. */
  variantsRoot?: string;
}

/** Encodings we keep variants of, in the order we prefer them, with their file suffix. */
const ENCODINGS = [
  ['br', '.br'],
  ['gzip', '.gz'],
] as const;

/**
 * Serves the files below `root` as `express.static` does (GET and HEAD, validators and 304s,
 * ranges), plus what it lacks: the precompressed variant the client accepts
 * (`Content-Encoding: br` or `gzip`, with `Vary: Accept-Encoding`), made at build time by
 * scripts/precompress.mjs so no request pays for compression, and a Cache-Control per file.
 * Paths are resolved inside `root` only; anything else falls through.
 */
export function staticFiles(root: string, options: StaticFilesOptions): RequestHandler {
  const base = path.resolve(root);
  const variants = path.resolve(options.variantsRoot ?? root);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let decoded: string;
    try {
      decoded = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    if (decoded.includes('\0')) return next();
    const file = path.join(base, path.posix.normalize(`/${decoded}`));
    if (!file.startsWith(base + path.sep) || !isFile(file)) return next();
    const relative = path.relative(base, file).split(path.sep).join('/');
    if (options.filter && !options.filter(relative)) return next();
    res.vary('Accept-Encoding');
    let sent = file;
    const accepted = req.acceptsEncodings() as string[];
    for (const [encoding, suffix] of ENCODINGS) {
      const variant = path.join(variants, `${relative}${suffix}`);
      if (accepted.includes(encoding) && isFile(variant)) {
        sent = variant;
        res.setHeader('Content-Encoding', encoding);
        break;
      }
    }
    // The type of the file, not of its variant (which `send` would take for a download).
    res.type(path.extname(file));
    res.setHeader('Cache-Control', options.cacheControl(relative));
    options.setHeaders?.(res, file);
    // Express hands its own `etag` setting (off for API answers) to sendFile: the validator is set
    // here, from the variant actually sent, so each encoding has its own.
    const stat = fs.statSync(sent);
    res.setHeader('ETag', `W/"${stat.size.toString(16)}-${stat.mtimeMs.toString(16)}"`);
    res.sendFile(sent, { dotfiles: 'deny', cacheControl: false, lastModified: true }, (error?: Error) => {
      if (error && !res.headersSent) next(error);
    });
  };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
