// Web build: the app (index.html + a content-hashed app bundle) and the embed bundle
// (`embed/interview-room.js`, a fixed name other sites put in a script tag). Fails when a library
// that must exist once (yjs, @codemirror/state) is bundled twice, and prints the embed's size.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { buildRunner, pyodideVersion } from './build-runner.mjs';
import { precompress, precompressTree } from './precompress.mjs';

/** Budget for the embed bundle, gzipped (issue 3). */
export const EMBED_BUDGET_BYTES = 300 * 1024;

/** Packages that break when two copies load (both detect it and warn, and state stops working). */
const SINGLETONS = ['yjs', '@codemirror/state', '@codemirror/view', 'lib0'];

const shared = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
};

/** Throws if the build pulled a singleton package from two different folders. */
function checkSingletons(metafile, label) {
  for (const name of SINGLETONS) {
    const roots = new Set();
    for (const input of Object.keys(metafile.inputs)) {
      const at = input.lastIndexOf(`node_modules/${name}/`);
      if (at !== -1) roots.add(input.slice(0, at + `node_modules/${name}/`.length));
    }
    if (roots.size > 1) throw new Error(`${label}: ${name} is bundled ${roots.size} times (${[...roots].join(', ')}); dedupe it with npm dedupe`);
  }
}

/** Gzipped size of a file in bytes (level 9, as a CDN would serve it). */
export function gzipSize(file) {
  return zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
}

/** Builds the browser bundles into `outDir` and returns the embed bundle's sizes. */
export async function buildWeb({ root, outDir }) {
  fs.rmSync(path.join(outDir, 'assets'), { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  const app = await build({
    ...shared,
    entryPoints: { app: path.join(root, 'web', 'app', 'main.ts') },
    outdir: path.join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
  });
  checkSingletons(app.metafile, 'app bundle');
  const appFile = Object.keys(app.metafile.outputs).find((file) => file.endsWith('.js'));
  const appUrl = '/' + path.relative(outDir, path.resolve(root, appFile)).split(path.sep).join('/');
  // The hashed name lets the server cache assets for long while index.html itself is revalidated.
  const html = fs.readFileSync(path.join(root, 'web', 'index.html'), 'utf8');
  if (!html.includes('src="/app.js"')) throw new Error('web/index.html must load the app with <script type="module" src="/app.js">');
  fs.writeFileSync(path.join(outDir, 'index.html'), html.replace('src="/app.js"', `src="${appUrl}"`));

  const embedFile = path.join(outDir, 'embed', 'interview-room.js');
  const embed = await build({ ...shared, entryPoints: [path.join(root, 'web', 'embed.ts')], outfile: embedFile });
  checkSingletons(embed.metafile, 'embed bundle');
  await buildRunner({ root, outDir, shared });
  const pinned = pinEmbed(embedFile);
  precompressTree(outDir);
  precompressPyodide(root, outDir);

  const raw = fs.statSync(embedFile).size;
  const gzipped = gzipSize(embedFile);
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`embed bundle: embed/interview-room.js ${kb(raw)} raw, ${kb(gzipped)} gzipped (budget ${kb(EMBED_BUDGET_BYTES)})`);
  if (gzipped > EMBED_BUDGET_BYTES) throw new Error(`embed bundle is ${kb(gzipped)} gzipped, over the ${kb(EMBED_BUDGET_BYTES)} budget`);
  return { embedBytes: raw, embedGzipBytes: gzipped, pinnedEmbed: pinned };
}

/**
 * A copy of the embed bundle under a content-hashed name (`embed/interview-room-<hash>.js`), for
 * sites that pin a version and cache it forever, and `embed/manifest.json` naming it; the stable
 * `embed/interview-room.js` stays for sites that follow the server.
 */
function pinEmbed(embedFile) {
  const bytes = fs.readFileSync(embedFile);
  const hash = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const dir = path.dirname(embedFile);
  for (const old of fs.readdirSync(dir)) if (/^interview-room-[0-9a-f]{12}\.js/.test(old)) fs.rmSync(path.join(dir, old));
  const pinned = `interview-room-${hash}.js`;
  fs.writeFileSync(path.join(dir, pinned), bytes.toString('utf8').replace(/\/\/# sourceMappingURL=interview-room\.js\.map\s*$/, ''));
  fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify({ 'interview-room.js': `/embed/${pinned}` }, null, 2)}\n`);
  return `/embed/${pinned}`;
}

/**
 * Compressed variants of the Pyodide files the server serves from the pyodide package, written
 * under `<outDir>/pyodide/<version>/` (the package folder itself stays untouched).
 */
function precompressPyodide(root, outDir) {
  const require = createRequire(path.join(root, 'package.json'));
  const dir = path.dirname(require.resolve('pyodide/pyodide.mjs'));
  const target = path.join(outDir, 'pyodide', pyodideVersion(root));
  const files = ['pyodide.asm.mjs', 'pyodide.asm.wasm', 'pyodide.mjs', 'pyodide-lock.json', 'python_stdlib.zip'].map((name) => path.join(dir, name));
  precompress(files.filter((file) => fs.existsSync(file)), (file) => path.join(target, path.basename(file)));
}
