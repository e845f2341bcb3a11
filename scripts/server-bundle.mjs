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
