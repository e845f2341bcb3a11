import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloseCode } from '../shared/protocol/close-codes.js';
import type { Config } from './config.js';
import { AccessService } from './access/access-service.js';
import { CredentialThrottle } from './access/credential-throttle.js';
import { loadServerSecret } from './access/server-secret.js';
import { TokenSigner } from './access/tokens.js';
import { createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { jsonRooms } from './json/json-room.js';
import { Metrics } from './observability/metrics.js';
import { sessionMetrics } from './observability/session-metrics.js';
import { RunRecorder } from './runs/run-recorder.js';
import { RedisBus } from './scale/redis-bus.js';
import type { SessionExtension } from './sessions/session-extension.js';
import { SessionHub } from './sessions/session-hub.js';
import { MemoryStorage } from './storage/memory-storage.js';
import { PostgresStorage } from './storage/postgres-storage.js';
import { SqliteStorage } from './storage/sqlite-storage.js';
import type { Storage } from './storage/storage.js';
import { yjsFanout } from './sync/yjs-fanout.js';
import type { CorkMode } from './ws/tick-cork.js';
import { attachWebSockets } from './ws/upgrade.js';

/** A running server. */
export interface RunningServer {
  readonly port: number;
  /** `http://host:port` of the listening socket. */
  readonly url: string;
  readonly hub: SessionHub;
  /** Stops accepting, tells every client to reconnect, writes everything, closes storage. */
  close(): Promise<void>;
}

/** The package root: the nearest folder above this file with a package.json (source and dist alike). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Where the built web app lives. */
const DEFAULT_WEB_ROOT = path.join(packageRoot(), 'dist', 'web');

/**
 * Creates the storage engine the configuration names; PostgreSQL connects and migrates first,
 * SQLite starts its writer thread (and stores update uids only when other instances share the file).
 */
export async function createStorage(config: Pick<Config, 'storage' | 'dataDir' | 'databaseUrl' | 'redisUrl'>, logger: Logger): Promise<Storage> {
  if (config.storage === 'memory') return new MemoryStorage();
  if (config.storage === 'postgres') return PostgresStorage.open(config.databaseUrl!, { logger });
  return SqliteStorage.open(config.dataDir, logger, undefined, config.redisUrl !== undefined);
}

/** Starts the HTTP and WebSocket server; resolves once it listens. */
export async function startServer(
  config: Config,
  logger: Logger,
  deps: {
    storage?: Storage;
    webRoot?: string;
    redisPrefix?: string;
    corkMode?: CorkMode;
    /** Run after the built-in extensions, in this order. */
    extensions?: SessionExtension[];
  } = {},
): Promise<RunningServer> {
  const storage = deps.storage ?? (await createStorage(config, logger));
  let bus: RedisBus | undefined;
  if (config.redisUrl) {
    bus = await RedisBus.create({ url: config.redisUrl, logger, storage, prefix: deps.redisPrefix ?? config.redisPrefix, flushIntervalMs: config.flushIntervalMs });
    await bus.connect();
  }
  // Gauges read these lazily, after the servers below exist.
  const metrics: Metrics = new Metrics({ sessions: (): number => hub.loadedCount, connections: (protocol) => sockets[protocol].clients.size });
  // With other instances, a run left `running` in a loaded document may be going on at one of them.
  const runs = new RunRecorder({ interruptOnLoad: !bus });
  // The order every session's hooks run in: local clients first, then other instances, then metrics, then runs.
  const extensions: SessionExtension[] = [yjsFanout, jsonRooms, ...(bus ? [bus] : []), sessionMetrics(metrics), runs, ...(deps.extensions ?? [])];
  const hub: SessionHub = new SessionHub({
    storage,
    logger,
    extensions,
    sharedLog: bus !== undefined,
    flushIntervalMs: config.flushIntervalMs,
    unloadGraceMs: config.unloadGraceMs,
    snapshotEvery: config.snapshotEvery,
    sessionTtlMs: config.sessionTtlMs,
    sessionMaxAgeMs: config.sessionMaxAgeMs,
    maxDocumentBytes: config.maxDocumentBytes,
  });
  // The stream entries this instance persists are written with its own updates, one transaction per flush.
  bus?.attach(hub.queue);
  const secret = loadServerSecret({ secret: config.serverSecret, dataDir: config.dataDir, persist: config.storage === 'sqlite' });
  const access = new AccessService({
    hub,
    storage,
    signer: new TokenSigner(secret, config.tokenTtlMs),
    logger,
    maxParticipants: config.maxParticipants,
    credentialThrottle: new CredentialThrottle(config.credentialThrottle, (kind, outcome) => metrics.credentialChecks.inc({ kind, outcome })),
    ...(bus ? { announce: (id: string) => bus.announceAccess(id) } : {}),
  });
  if (bus) {
    bus.onAccessChange = (id) => {
      access.refresh(id).catch((error: unknown) => logger.error({ err: error, sessionId: id }, 'applying an access change from another instance failed'));
    };
  }
  const app = createApp({
    access,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    maxCodeChars: config.maxCodeChars,
    allowedOrigins: config.allowedOrigins,
    apiKeys: config.apiKeys,
    rateLimits: config.rateLimits,
    trustProxy: config.trustProxy,
    metrics,
    probes: [
      { name: 'storage', check: () => storage.ping() },
      ...(bus ? [{ name: 'redis', check: () => bus.ping() }] : []),
    ],
    webRoot: deps.webRoot ?? DEFAULT_WEB_ROOT,
  });
  const server = config.tls
    ? https.createServer({ cert: fs.readFileSync(config.tls.cert), key: fs.readFileSync(config.tls.key) }, app)
    : http.createServer(app);
  // A slow or silent HTTP client cannot hold a socket for long.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  const sockets = attachWebSockets(server, { config, hub, access, logger, metrics, runs, ...(deps.corkMode ? { corkMode: deps.corkMode } : {}) });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Port taken, say: release what was opened so the caller can exit or retry cleanly.
    await sockets.close();
    await hub.shutdown(CloseCode.ServiceRestart, 'server failed to start');
    await bus?.close();
    if (!deps.storage) await storage.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? (address.address === '::' ? 'localhost' : `[${address.address}]`) : address.address === '0.0.0.0' ? 'localhost' : address.address;
  let closing: Promise<void> | null = null;

  return {
    port: address.port,
    url: `${config.tls ? 'https' : 'http'}://${host}:${address.port}`,
    hub,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await hub.shutdown(CloseCode.ServiceRestart, 'server restarting');
        await sockets.close();
        server.closeAllConnections();
        await closed;
        await bus?.close();
        await storage.close();
      })();
      return closing;
    },
  };
}
