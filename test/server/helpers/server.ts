import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../../server/config.js';
import { createLogger } from '../../../server/logger.js';
import { startServer, type RunningServer } from '../../../server/server.js';
import { checkResponsesAgainstOpenApi, responseViolations } from './openapi-check.js';

/** A server on an ephemeral port with quiet logs; memory storage unless `env` says otherwise. */
export async function startTestServer(
  env: Record<string, string> = {},
  deps: Parameters<typeof startServer>[2] = {},
): Promise<RunningServer & { config: Config }> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE: 'memory', LOG_LEVEL: 'silent', ...env });
  checkResponsesAgainstOpenApi();
  const server = await startServer(config, createLogger(config.logLevel), deps);
  const close = server.close.bind(server);
  // Every REST answer a test received must match /api/openapi.json (a server with API keys or other
  // limits documents the same shapes).
  return Object.assign(server, {
    config,
    async close() {
      await close();
      const violations = await responseViolations(server.url);
      if (violations.length > 0) throw new Error(`REST answers that do not match the OpenAPI document:\n${violations.join('\n')}`);
    },
  });
}

/** Runs `test` against a test server started with `env`, closing it afterwards. */
export async function withServer(env: Record<string, string>, test: (server: RunningServer & { config: Config }) => Promise<void>): Promise<void> {
  const server = await startTestServer(env);
  try {
    await test(server);
  } finally {
    await server.close();
  }
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'interview-room-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Creates a session over REST and returns its JSON body. */
export async function createSession(
  baseUrl: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; url: string; language: string }> {
  const res = await fetch(`${baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; url: string; language: string };
}

/** The `ws://` form of an `http://` base URL. */
export function wsBase(baseUrl: string): string {
  return baseUrl.replace(/^http/, 'ws');
}

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits a little (for "nothing else happens" checks). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Like waitFor, for a condition that needs an async check (an HTTP call, say). */
export async function waitForAsync(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
