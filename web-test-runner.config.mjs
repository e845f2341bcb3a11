// Component tests in Debian's Chromium against a real server started in this process.
// The tests reach the server's URL and its stop/start switch through /__test-server/* (below).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { startServer } = await import('./server/server.ts');
const { loadConfig } = await import('./server/config.ts');
const { createLogger } = await import('./server/logger.ts');

const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
];

// SQLite in a temp dir, so a stopped and restarted server still knows the sessions.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wtr-room-'));
let port = 0;
let server = null;

async function start() {
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', STORAGE: 'sqlite', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  server = await startServer(config, createLogger('silent'));
  port = server.port;
}

async function stop() {
  const running = server;
  server = null;
  await running?.close();
}

/** Test-only endpoints: the server's URL, and stopping/starting it on the same port. */
function testServerPlugin() {
  return {
    name: 'test-server',
    async serverStart() {
      await start();
    },
    async serverStop() {
      await stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function testServerMiddleware(ctx, next) {
  if (!ctx.path.startsWith('/__test-server/')) return next();
  if (ctx.path === '/__test-server/stop' && server) await stop();
  if (ctx.path === '/__test-server/start' && !server) await start();
  ctx.type = 'json';
  ctx.body = JSON.stringify({ url: `http://127.0.0.1:${port}`, running: server !== null });
}

export default {
  files: ['test/web/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testsFinishTimeout: 120_000,
  browsers: [
    chromeLauncher({ launchOptions: { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS } }),
  ],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), testServerPlugin()],
  middleware: [testServerMiddleware],
  testFramework: { config: { timeout: 15_000 } },
  // Lit's one-line dev-mode notice would otherwise be printed for every test file.
  filterBrowserLogs: ({ args }) => !String(args[0]).includes('Lit is in dev mode'),
};
