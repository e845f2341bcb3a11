import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { createLogger } from '../../../server/logger.js';
import { PostgresStorage } from '../../../server/storage/postgres-storage.js';
import { SqliteStorage } from '../../../server/storage/sqlite-storage.js';
import type { Storage } from '../../../server/storage/storage.js';
import { connectYjs, type YjsClient } from './clients.js';
import { spawnServer, type ServerProcess } from './process.js';
import { wsBase } from './server.js';

/** Where instances keep sessions: a PostgreSQL database, or one SQLite file they share (one host). */
export type SharedStorage = { databaseUrl: string } | { dataDir: string };

/** Environment of instances that scale out on `redisUrl` and `storage`, under a Redis key prefix of their own. */
export function scaleEnv(redisUrl: string, storage: SharedStorage): Record<string, string> {
  const stored: Record<string, string> = 'databaseUrl' in storage ? { STORAGE: 'postgres', DATABASE_URL: storage.databaseUrl } : { STORAGE: 'sqlite', DATA_DIR: storage.dataDir };
  return { REDIS_URL: redisUrl, REDIS_PREFIX: `t${randomUUID().slice(0, 8)}:`, FLUSH_INTERVAL: '50ms', ...stored };
}

/** Starts `count` server processes at once. */
export function spawnInstances(count: number, env: Record<string, string>): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: count }, () => spawnServer(env)));
}

/** Whether a server process still runs. */
export function running(server: ServerProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/** Kills an instance as a crash would (SIGKILL: no flush, no goodbye to Redis). */
export async function crash(server: ServerProcess): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

/** Stops every instance still running (SIGTERM) and waits for them. */
export async function stopAll(servers: ServerProcess[]): Promise<void> {
  for (const server of servers) if (running(server)) server.child.kill('SIGTERM');
  await Promise.all(servers.map((server) => server.exited));
}

/**
 * What a test started: server processes, clients, and anything else with a cleanup, all
 * released (clients first, then processes, then the rest newest first) whatever the outcome.
 */
export class Started {
  readonly servers: ServerProcess[] = [];
  readonly clients: YjsClient[] = [];
  private readonly cleanups: Array<() => unknown> = [];

  /** Starts `count` instances at once. */
  async spawn(count: number, env: Record<string, string>): Promise<ServerProcess[]> {
    const started = await spawnInstances(count, env);
    this.servers.push(...started);
    return started;
  }

  /** Connects a stock provider to the session on `baseUrl`. */
  async connect(baseUrl: string, sessionId: string): Promise<YjsClient> {
    const client = await connectYjs(baseUrl, sessionId);
    this.clients.push(client);
    return client;
  }

  /** Disconnects every client (everyone leaves). */
  leave(): void {
    for (const client of this.clients.splice(0)) client.destroy();
  }

  /** Runs `cleanup` on release; returns `value` (for `const x = started.add(await make(), ...)`). */
  add<T>(value: T, cleanup: (value: T) => unknown): T {
    this.cleanups.push(() => cleanup(value));
    return value;
  }

  async release(): Promise<void> {
    this.leave();
    await stopAll(this.servers);
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error('cleanup failed:', error);
      }
    }
  }
}

/** Points a provider at another instance: its next reconnect goes there, as a load balancer would send it. */
export function moveTo(client: YjsClient, baseUrl: string): void {
  client.provider.serverUrl = `${wsBase(baseUrl)}/yjs`;
}

/** What storage alone holds of sessions (no Redis, no instance): the code each would load with. */
export class StoredCode {
  private constructor(private readonly storage: Storage) {}

  static async open(storage: SharedStorage): Promise<StoredCode> {
    const logger = createLogger('silent');
    return new StoredCode('databaseUrl' in storage ? await PostgresStorage.open(storage.databaseUrl, { logger }) : await SqliteStorage.open(storage.dataDir, logger));
  }

  /** The code built from the latest snapshot and the updates logged after it. */
  async code(id: string): Promise<string> {
    const stored = await this.storage.loadDocument(id);
    return textOf([...(stored.snapshot ? [stored.snapshot] : []), ...stored.updates]);
  }

  /** The code built from the update log alone (the history), and how many updates it holds. */
  async history(id: string): Promise<{ code: string; updates: number; uids: number }> {
    const logged = await this.storage.history(id);
    const uids = new Set(logged.map((entry) => entry.uid).filter((uid) => uid !== null));
    return { code: textOf(logged.map((entry) => entry.update)), updates: logged.length, uids: uids.size };
  }

  close(): Promise<void> {
    return this.storage.close();
  }
}

function textOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  try {
    for (const update of updates) Y.applyUpdate(doc, update);
    return doc.getText('code').toString();
  } finally {
    doc.destroy();
  }
}
