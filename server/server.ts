import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { CloseCode } from '../shared/protocol/close-codes.js';
import { isSessionId } from '../shared/session-id.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { isOriginAllowed } from './http/cors.js';
import { JsonConnection } from './json/json-connection.js';
import type { Logger } from './logger.js';
import { Metrics } from './observability/metrics.js';
import { RedisBus } from './scale/redis-bus.js';
import { SessionHub } from './sessions/session-hub.js';
import { MemoryStorage } from './storage/memory-storage.js';
import { PostgresStorage } from './storage/postgres-storage.js';
import { SqliteStorage } from './storage/sqlite-storage.js';
import type { Storage } from './storage/storage.js';
import { acceptYjsConnection } from './sync/yjs-connection.js';
import { startHeartbeat, trackLiveness } from './ws/heartbeat.js';
import { closeWith, meterSocket } from './ws/safe-send.js';

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

/** Creates the storage engine the configuration names; PostgreSQL connects and migrates first. */
export async function createStorage(config: Pick<Config, 'storage' | 'dataDir' | 'databaseUrl'>, logger: Logger): Promise<Storage> {
  if (config.storage === 'memory') return new MemoryStorage();
  if (config.storage === 'postgres') return PostgresStorage.open(config.databaseUrl!, { logger });
  return new SqliteStorage(config.dataDir);
}

/** Starts the HTTP and WebSocket server; resolves once it listens. */
export async function startServer(
  config: Config,
  logger: Logger,
  deps: { storage?: Storage; webRoot?: string; redisPrefix?: string } = {},
): Promise<RunningServer> {
  const storage = deps.storage ?? (await createStorage(config, logger));
  let bus: RedisBus | undefined;
  if (config.redisUrl) {
    bus = new RedisBus({ url: config.redisUrl, logger, ...(deps.redisPrefix ? { prefix: deps.redisPrefix } : {}) });
    await bus.connect();
  }
  // Gauges read these lazily, after the servers below exist.
  const sockets = { yjs: () => yjsServer.clients.size, json: () => jsonServer.clients.size };
  const metrics: Metrics = new Metrics({ sessions: (): number => hub.loadedCount, connections: (protocol) => sockets[protocol]() });
  const hub: SessionHub = new SessionHub({
    storage,
    logger,
    bus,
    metrics,
    flushIntervalMs: config.flushIntervalMs,
    unloadGraceMs: config.unloadGraceMs,
    snapshotEvery: config.snapshotEvery,
    sessionTtlMs: config.sessionTtlMs,
  });
  const app = createApp({
    hub,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    maxCodeChars: config.maxCodeChars,
    allowedOrigins: config.allowedOrigins,
    metrics,
    probes: [
      { name: 'storage', check: () => storage.ping() },
      ...(bus ? [{ name: 'redis', check: () => bus.ping() }] : []),
    ],
    webRoot: deps.webRoot ?? DEFAULT_WEB_ROOT,
  });
  const server = http.createServer(app);
  const wsOptions = { noServer: true, maxPayload: config.maxMessageBytes, perMessageDeflate: false } as const;
  const yjsServer = new WebSocketServer(wsOptions);
  const jsonServer = new WebSocketServer(wsOptions);
  const stopHeartbeat = startHeartbeat([yjsServer, jsonServer], config.pingIntervalMs);
  let nextConnectionId = 1;

  server.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const target = pathname === '/ws' ? jsonServer : pathname.startsWith('/yjs/') ? yjsServer : null;
    if (!target) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!isOriginAllowed(config.allowedOrigins, req.headers.origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    target.handleUpgrade(req, socket, head, (ws) => {
      const connectionLog = logger.child({ conn: nextConnectionId++, path: target === yjsServer ? '/yjs' : '/ws' });
      trackLiveness(ws);
      const protocol = target === yjsServer ? 'yjs' : 'json';
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        metrics.messages.inc({ protocol, direction: 'in' });
        metrics.bytes.inc({ protocol, direction: 'in' }, Array.isArray(data) ? data.reduce((n, part) => n + part.length, 0) : data.byteLength);
      });
      meterSocket(ws, (bytes) => {
        metrics.messages.inc({ protocol, direction: 'out' });
        metrics.bytes.inc({ protocol, direction: 'out' }, bytes);
      });
      ws.on('error', (error) => connectionLog.warn({ err: error }, 'websocket error'));
      if (target === jsonServer) {
        new JsonConnection(ws, { hub, logger: connectionLog, maxCodeChars: config.maxCodeChars, coalesceMs: config.jsonCoalesceMs, metrics });
        return;
      }
      // y-websocket puts the room name after the server URL: /yjs/<sessionId>[?params]
      const sessionId = decodeURIComponent(pathname.slice('/yjs/'.length));
      if (!isSessionId(sessionId)) {
        closeWith(ws, CloseCode.SessionNotFound, 'malformed session id');
        return;
      }
      acceptYjsConnection(ws, sessionId, hub, connectionLog.child({ sessionId }), metrics);
    });
  });

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
    stopHeartbeat();
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
    url: `http://${host}:${address.port}`,
    hub,
    close() {
      closing ??= (async () => {
        stopHeartbeat();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await hub.shutdown(CloseCode.ServiceRestart, 'server restarting');
        for (const wss of [yjsServer, jsonServer]) {
          for (const ws of wss.clients) closeWith(ws, CloseCode.ServiceRestart, 'server restarting');
        }
        // Give close frames a moment to go out, then cut whatever is left.
        await new Promise((resolve) => setTimeout(resolve, 50));
        for (const wss of [yjsServer, jsonServer]) {
          for (const ws of wss.clients) ws.terminate();
          wss.close();
        }
        server.closeAllConnections();
        await closed;
        await bus?.close();
        await storage.close();
      })();
      return closing;
    },
  };
}
