// Web build (app and embed bundle). Placeholder until the web app lands: writes a minimal page.
import fs from 'node:fs';
import path from 'node:path';

/** Builds the browser bundles into `outDir`. */
export async function buildWeb({ root, outDir }) {
  fs.mkdirSync(outDir, { recursive: true });
  fs.copyFileSync(path.join(root, 'web', 'index.html'), path.join(outDir, 'index.html'));
}
