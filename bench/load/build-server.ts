import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { serverBundleOptions, serverEntryPoints } from '../../scripts/server-bundle.mjs';
import { ROOT } from './target-server.js';

/**
 * Bundles `server/main.ts` as `npm start` does (scripts/build.mjs: esbuild, ESM, packages external)
 * into bench/load/.build/, so the load run measures the production form of the server, not tsx's
 * on-the-fly compiler, and leaves dist/ alone. `rev` undefined bundles the working tree; a git
 * revision (e.g. `HEAD`) bundles that commit's server/ and shared/, unaffected by edits in progress.
 * Returns the bundle's path.
 */
export async function buildServer(rev: string | undefined): Promise<string> {
  const build_ = path.join(ROOT, 'bench', 'load', '.build');
  let sources = ROOT;
  if (rev !== undefined) {
    sources = path.join(build_, 'src');
    rmSync(sources, { recursive: true, force: true });
    mkdirSync(sources, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', rev, 'server', 'shared'], { cwd: ROOT, maxBuffer: 256 * 2 ** 20 });
    execFileSync('tar', ['-x', '-C', sources], { input: archive });
  }
  const outdir = path.join(build_, 'server');
  await build({ entryPoints: serverEntryPoints(sources), outdir, ...serverBundleOptions });
  return path.join(outdir, 'main.js');
}
