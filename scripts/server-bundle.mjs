// esbuild options shared by every bundle of the server: the one `npm start` runs and the ones the
// benchmarks measure, so a benchmark always measures the production form of the code.
/** @type {import('esbuild').BuildOptions} */
export const serverBundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

/**
 * The server's entry points under `root` (the repository or a checkout of it): the process and
 * the SQLite writer thread, which the server starts from the file beside its own bundle.
 */
export function serverEntryPoints(root) {
  return {
    main: `${root}/server/main.ts`,
    'sqlite-writer-worker': `${root}/server/storage/sqlite-writer-worker.ts`,
  };
}
