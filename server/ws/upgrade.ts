import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import { isSessionId } from '../../shared/session-id.js';
import type { AccessService } from '../access/access-service.js';
import type { Config } from '../config.js';
import { isOriginAllowed } from '../http/cors.js';
import { JsonConnection, type JsonContext } from '../json/json-connection.js';
import { ConnectionCounter } from '../limits/connection-counter.js';
import { RatePolicy } from '../limits/token-bucket.js';
import type { Logger } from '../logger.js';
import type { Metrics, Protocol } from '../observability/metrics.js';
import type { RunRecorder } from '../runs/run-recorder.js';
import type { SessionHub } from '../sessions/session-hub.js';
import { YjsConnection, type YjsContext } from '../sync/yjs-connection.js';
import { clientAddress } from './client-address.js';
import type { ConnectionContext } from './connection.js';
import { startHeartbeat, trackLiveness } from './heartbeat.js';
import { closeWith } from './safe-send.js';
import { TickCork, type CorkMode } from './tick-cork.js';

/** What an accepted socket needs from its upgrade request. */
interface Accepted {
  protocol: Protocol;
  address: string;
  sessionId: string;
  token: string | undefined;
}

/** The WebSocket side of a server: both endpoints, and how to stop them. */
export interface WebSockets {
  yjs: WebSocketServer;
  json: WebSocketServer;
  /** Tells every client to reconnect (1012), then cuts whatever is left. */
  close(): Promise<void>;
}

/**
 * Routes HTTP upgrades: `/yjs/<sessionId>` to the y-websocket protocol, `/ws` to the JSON
 * protocol, anything else 404. Checks `Origin` (ALLOWED_ORIGINS) and connections per address
 * before a socket is accepted.
 */
export function attachWebSockets(
  server: Server,
  deps: { config: Config; hub: SessionHub; access: AccessService; logger: Logger; metrics: Metrics; runs: RunRecorder; corkMode?: CorkMode },
): WebSockets {
  const { config, hub, access, logger, metrics, runs } = deps;
  const options = { noServer: true, maxPayload: config.maxMessageBytes, perMessageDeflate: false } as const;
  const yjs = new WebSocketServer(options);
  const json = new WebSocketServer(options);
  const stopHeartbeat = startHeartbeat([yjs, json], config.pingIntervalMs);
  const perAddress = new ConnectionCounter(config.maxConnectionsPerIp);
  let nextConnectionId = 1;
  const cork = new TickCork(deps.corkMode);
  // Shared by every connection of a protocol: per-connection objects are what idle sessions cost.
  const shared: ConnectionContext = {
    hub,
    access,
    perAddress,
    metrics,
    rate: new RatePolicy(config.messagesPerSecond, config.messageBurst),
    connectionLog: RatePolicy.perMinute(config.connectionLogBytesPerMinute),
    sessionLog: RatePolicy.perMinute(config.sessionLogBytesPerMinute),
    logger,
  };
  const yjsContext: YjsContext = {
    ...shared,
    meter: metrics.meter('yjs'),
    cork,
    awarenessRate: new RatePolicy(config.awarenessBytesPerSecond, Math.max(config.awarenessBytesPerSecond, config.maxAwarenessBytes)),
    maxAwarenessBytes: config.maxAwarenessBytes,
    runs,
  };
  const jsonContext: JsonContext = {
    ...shared,
    meter: metrics.meter('json'),
    maxCodeChars: config.maxCodeChars,
    codeChars: new RatePolicy(config.codeCharRate.perSecond, config.codeCharRate.burst),
    codeCharsPerSecond: config.codeCharRate.perSecond,
    coalesceMs: config.jsonCoalesceMs,
    joinTimeoutMs: config.joinTimeoutMs,
  };

  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const protocol: Protocol | null = url.pathname === '/ws' ? 'json' : url.pathname.startsWith('/yjs/') ? 'yjs' : null;
    if (!protocol) return refuse(socket, '404 Not Found');
    if (!isOriginAllowed(config.allowedOrigins, req.headers.origin)) return refuse(socket, '403 Forbidden');
    const target = protocol === 'yjs' ? yjs : json;
    // Everything the socket needs is read from the request now: closures kept for the socket's
    // lifetime must not hold the request (its headers and buffers) alive.
    const accepted: Accepted = {
      protocol,
      address: clientAddress(req, config.trustProxy),
      sessionId: protocol === 'yjs' ? decodeURIComponent(url.pathname.slice('/yjs/'.length)) : '',
      token: url.searchParams.get('token') ?? undefined,
    };
    target.handleUpgrade(req, socket, head, (ws: WebSocket) => onSocket(ws, socket, accepted));
  });

  /** `socket` is the connection `ws` speaks over (the Yjs side corks it to batch its frames). */
  const onSocket = (ws: WebSocket, socket: Duplex, { protocol, address, sessionId, token }: Accepted): void => {
    const connId = nextConnectionId++;
    trackLiveness(ws);
    // Accept, then close with a code: a browser cannot see the status of a refused upgrade.
    if (protocol === 'yjs' && !isSessionId(sessionId)) return refuseSocket(ws, CloseCode.SessionNotFound, 'malformed session id');
    if (!perAddress.acquire(address)) {
      metrics.errors.inc({ kind: 'too_many_connections' });
      return refuseSocket(ws, CloseCode.TooMany, 'too many connections from your address');
    }
    // y-websocket puts the room after the server URL: /yjs/<sessionId>?token=… (its `params`).
    if (protocol === 'yjs') new YjsConnection(ws, socket, yjsContext, connId, sessionId, address, { token });
    else new JsonConnection(ws, jsonContext, connId, address);
  };

  /** Closes an accepted socket that may not stay, with a code its client can read. */
  const refuseSocket = (ws: WebSocket, code: number, reason: string): void => {
    // ws emits errors for protocol violations; unheard, they would throw.
    ws.on('error', (error) => logger.warn({ err: error, reason }, 'websocket error on a refused socket'));
    closeWith(ws, code, reason);
  };

  return {
    yjs,
    json,
    async close() {
      stopHeartbeat();
      cork.stop();
      for (const wss of [yjs, json]) for (const ws of wss.clients) closeWith(ws, CloseCode.ServiceRestart, 'server restarting');
      // Give close frames a moment to go out, then cut whatever is left.
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const wss of [yjs, json]) {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
      }
    },
  };
}
