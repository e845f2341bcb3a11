// Precompression (issue 21): a `.br` and a `.gz` beside every compressible file of a build, so the
// server (server/http/static-files.ts) and nginx can send compressed bytes without compressing per
// request. A variant is kept only when it saves at least a tenth; existing variants newer than
// their file are kept as they are, so a rebuild compresses only what changed.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** What is worth compressing: text and WebAssembly (images, zips and fonts are compressed already). */
const COMPRESSIBLE = /\.(m?js|css|html|json|map|svg|txt|wasm|xml)$/;
/** Below this the headers cost more than compression saves. */
const MIN_BYTES = 1024;
/** Brotli's best quality takes minutes on megabytes (Pyodide's 9 MB runtime); above this, quality 9. */
const BEST_QUALITY_MAX_BYTES = 1024 * 1024;

/** Every file below `dir`, recursively. */
function filesIn(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesIn(full) : [full];
  });
}

/** Writes `target` from `compress(bytes)` unless it is up to date; removes it when it saves too little. */
function writeVariant(source, bytes, target, compress) {
  if (fs.existsSync(target) && fs.statSync(target).mtimeMs >= fs.statSync(source).mtimeMs) return;
  const compressed = compress(bytes);
  if (compressed.length > bytes.length * 0.9) {
    fs.rmSync(target, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, compressed);
}

/**
 * Writes `<file>.br` and `<file>.gz` for each compressible file of `files`; `targetOf` maps a file
 * to where its variants go (beside it by default). Returns the files compressed.
 */
export function precompress(files, targetOf = (file) => file) {
  const done = [];
  for (const file of files) {
    if (!COMPRESSIBLE.test(file) || /\.(br|gz)$/.test(file)) continue;
    const bytes = fs.readFileSync(file);
    if (bytes.length < MIN_BYTES) continue;
    const target = targetOf(file);
    const quality = bytes.length > BEST_QUALITY_MAX_BYTES ? 9 : zlib.constants.BROTLI_MAX_QUALITY;
    writeVariant(file, bytes, `${target}.br`, (input) =>
      zlib.brotliCompressSync(input, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length } }),
    );
    writeVariant(file, bytes, `${target}.gz`, (input) => zlib.gzipSync(input, { level: 9 }));
    done.push(file);
  }
  return done;
}

/** Precompresses every file below `dir`, in place. */
export function precompressTree(dir) {
  return precompress(filesIn(dir));
}
