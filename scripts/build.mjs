// Builds what `npm start` serves: the server bundle and the web app. `--if-missing` skips the
// build when its outputs exist and are newer than every source file (a fast restart).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb } from './build-web.mjs';
import { serverBundleOptions, serverEntryPoints } from './server-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const outputs = [
  path.join(dist, 'server', 'main.js'),
  path.join(dist, 'server', 'sqlite-writer-worker.js'),
  path.join(dist, 'web', 'index.html'),
  path.join(dist, 'web', 'embed', 'interview-room.js'),
];

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function upToDate() {
  if (!outputs.every((file) => fs.existsSync(file))) return false;
  const built = Math.min(...outputs.map((file) => fs.statSync(file).mtimeMs));
  const sources = Math.max(...['server', 'shared', 'web', 'scripts'].map((dir) => newestSource(path.join(root, dir))));
  return built >= sources;
}

if (process.argv.includes('--if-missing') && upToDate()) process.exit(0);

const started = performance.now();
await build({
  entryPoints: serverEntryPoints(root),
  outdir: path.join(dist, 'server'),
  ...serverBundleOptions,
});
await buildWeb({ root, outDir: path.join(dist, 'web') });
console.log(`build finished in ${Math.round(performance.now() - started)} ms`);
