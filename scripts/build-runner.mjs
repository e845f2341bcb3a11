// Runner build (issue 4): the sandboxed runner frame, from the sources in web/sandbox/. The worker
// is bundled first and inlined into the frame script as a string (the frame starts it from a
// `data:` URL); the frame script gets a content hash and `runner/frame.html` points at it, like the
// app's index.html. The output keeps the public path `/runner/` that the element and server use.
import { build } from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Version of the installed pyodide package; its files are served under `/pyodide/<version>/`. */
export function pyodideVersion(root) {
  const require = createRequire(path.join(root, 'package.json'));
  const dir = path.dirname(require.resolve('pyodide/pyodide.mjs'));
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

/** Builds `runner/frame.html` and `runner/frame-<hash>.js` into `outDir`. */
export async function buildRunner({ root, outDir, shared }) {
  const runnerDir = path.join(outDir, 'runner');
  fs.rmSync(runnerDir, { recursive: true, force: true });
  const worker = await build({
    ...shared,
    sourcemap: false,
    metafile: false,
    legalComments: 'none',
    entryPoints: [path.join(root, 'web', 'sandbox', 'worker.ts')],
    write: false,
  });
  const frame = await build({
    ...shared,
    format: 'iife',
    entryPoints: { frame: path.join(root, 'web', 'sandbox', 'frame.ts') },
    outdir: runnerDir,
    entryNames: '[name]-[hash]',
    define: {
      RUNNER_WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text),
      RUNNER_PYODIDE_PATH: JSON.stringify(`/pyodide/${pyodideVersion(root)}/`),
    },
  });
  const frameFile = Object.keys(frame.metafile.outputs).find((file) => file.endsWith('.js'));
  const frameUrl = `/runner/${path.basename(frameFile)}`;
  const html = fs.readFileSync(path.join(root, 'web', 'sandbox', 'frame.html'), 'utf8');
  if (!html.includes('src="/runner/frame.js"')) throw new Error('web/sandbox/frame.html must load <script src="/runner/frame.js">');
  fs.writeFileSync(path.join(runnerDir, 'frame.html'), html.replace('src="/runner/frame.js"', `src="${frameUrl}"`));
}
