import path from 'node:path';
import type { CredentialThrottleLimits } from './access/credential-throttle.js';
import type { AllowedOrigins } from './http/cors.js';

/** Which storage engine keeps sessions and their update history. */
export type StorageKind = 'sqlite' | 'memory' | 'postgres';

/** Everything the server reads from the environment, parsed and checked once, at startup. */
export interface Config {
  port: number;
  /** Interface to listen on; undefined means all interfaces. */
  host: string | undefined;
  /** `postgres` when DATABASE_URL is set and STORAGE is not; else `sqlite` unless STORAGE says otherwise. */
  storage: StorageKind;
  dataDir: string;
  /** PostgreSQL connection string (`postgres://user:pass@host:5432/db`); required by `storage: 'postgres'`. */
  databaseUrl: string | undefined;
  logLevel: string;
  /** A session untouched for this long is expired: 404 over REST, refused over WebSocket. */
  sessionTtlMs: number;
  /** How long a document stays in memory after its last participant left. */
  unloadGraceMs: number;
  /** Interval between WebSocket pings; a connection that missed one pong is closed. */
  pingIntervalMs: number;
  /** Received updates are written to storage at least this often (one transaction per flush). */
  flushIntervalMs: number;
  /** Write a compacted snapshot after this many updates since the last one. */
  snapshotEvery: number;
  /** Largest accepted HTTP request body. */
  maxBodyBytes: number;
  /** Largest accepted WebSocket frame. */
  maxMessageBytes: number;
  /** Largest code accepted at creation and in a `codeChange`, in UTF-16 code units. */
  maxCodeChars: number;
  /** `codeUpdate`s to a JSON client are coalesced over this window. */
  jsonCoalesceMs: number;
  /** Origins allowed to embed and call the API (CORS; WebSocket Origin checks use it too). */
  allowedOrigins: AllowedOrigins;
  /** Redis that carries sessions between instances; unset for a single instance. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key, so several deployments can share one Redis. */
  redisPrefix: string;
  /** A session older than this expires however active it is. */
  sessionMaxAgeMs: number;
  /** Key for signing tokens; generated and kept in DATA_DIR when unset. */
  serverSecret: string | undefined;
  /** Lifetime of an access token. */
  tokenTtlMs: number;
  /** Keys that may create sessions over REST; empty: anyone may. */
  apiKeys: ReadonlySet<string>;
  maxDocumentBytes: number;
  maxParticipants: number;
  maxConnectionsPerIp: number;
  messagesPerSecond: number;
  messageBurst: number;
  /** Update bytes one connection may have logged per minute (storage fills no faster). */
  connectionLogBytesPerMinute: number;
  /** Update bytes all of one session's connections may have logged per minute. */
  sessionLogBytesPerMinute: number;
  /** Largest awareness state (cursor, name) of one client, as JSON. */
  maxAwarenessBytes: number;
  /** Awareness bytes one connection may send per second; more are dropped. */
  awarenessBytesPerSecond: number;
  /** Characters of `codeChange` one `/ws` connection may send: a token bucket of one token a character. */
  codeCharRate: { perSecond: number; burst: number };
  /** Growing delays after failed password and owner-secret checks, per client address and per session. */
  credentialThrottle: CredentialThrottleLimits;
  joinTimeoutMs: number;
  /** REST requests per minute per address: all of /api, session creation, token requests. */
  rateLimits: { api: number; create: number; token: number };
  /** Hops of trusted proxies in front (X-Forwarded-For); 0 trusts none. */
  trustProxy: number;
  /** PEM files to serve HTTPS/WSS directly. */
  tls: { cert: string; key: string } | undefined;
}

/** Thrown at startup when an environment variable has a value we cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** Parses `1500`, `1500ms`, `30s`, `15m`, `2h`, `7d` into milliseconds. */
export function parseDuration(name: string, raw: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!match) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a duration (e.g. 500ms, 30s, 15m, 7d)`);
  return Number(match[1]) * UNITS[match[2] ?? 'ms']!;
}

/** Parses `65536`, `64kb`, `1mb` into bytes. */
export function parseSize(name: string, raw: string): number {
  const match = /^(\d+)(b|kb|mb)?$/i.exec(raw.trim());
  if (!match) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a size (e.g. 65536, 64kb, 1mb)`);
  return Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]!;
}

function parseInteger(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Parses `*` or a comma-separated list of origins such as `https://a.example,https://b.example`. */
export function parseOrigins(raw: string): AllowedOrigins {
  if (raw.trim() === '*') return '*';
  const origins = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(`ALLOWED_ORIGINS entry ${JSON.stringify(origin)} is not an origin like https://example.com`);
    }
  }
  return new Set(origins);
}

/** Checks DATABASE_URL is a postgres:// URL; the error shows it with any password masked. */
function checkDatabaseUrl(raw: string): void {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // reported below, without echoing a value that may hold a password
  }
  if (url && (url.protocol === 'postgres:' || url.protocol === 'postgresql:')) return;
  if (url?.password) url.password = '***';
  const shown = url ? url.href : '(not a URL)';
  throw new ConfigError(`DATABASE_URL=${shown} must be a URL like postgres://user:password@host:5432/db`);
}

/** A key prefix: printable, without spaces or the `|` that separates pub/sub frame fields. */
function redisPrefix(raw: string): string {
  if (!/^[\x21-\x7e]{1,64}$/.test(raw) || raw.includes('|')) {
    throw new ConfigError(`REDIS_PREFIX=${JSON.stringify(raw)} must be 1 to 64 printable characters without spaces or "|" (e.g. "ir:")`);
  }
  return raw;
}

function checkSecret(secret: string | undefined): string | undefined {
  if (secret !== undefined && secret.length < 32) throw new ConfigError('SERVER_SECRET must be at least 32 characters (e.g. `openssl rand -base64 48`)');
  return secret;
}

function tlsFiles(cert: string | undefined, key: string | undefined): { cert: string; key: string } | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new ConfigError('TLS_CERT and TLS_KEY must be set together (paths to PEM files)');
  return { cert: path.resolve(cert), key: path.resolve(key) };
}

/** Reads the configuration from `env` (default: `process.env`); throws ConfigError on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const duration = (name: string, fallback: string): number => parseDuration(name, get(name) ?? fallback);
  const size = (name: string, fallback: string): number => parseSize(name, get(name) ?? fallback);
  const integer = (name: string, fallback: string, min: number, max: number): number => parseInteger(name, get(name) ?? fallback, min, max);

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined) checkDatabaseUrl(databaseUrl);
  const storage = get('STORAGE') ?? (databaseUrl ? 'postgres' : 'sqlite');
  if (storage !== 'sqlite' && storage !== 'memory' && storage !== 'postgres') {
    throw new ConfigError(`STORAGE=${JSON.stringify(storage)} must be "sqlite", "memory" or "postgres"`);
  }
  if (storage === 'postgres' && !databaseUrl) {
    throw new ConfigError('STORAGE=postgres needs DATABASE_URL (e.g. postgres://user:password@host:5432/db)');
  }
  const maxCodeChars = integer('MAX_CODE_CHARS', '500000', 1, 50_000_000);
  const codeCharRate = {
    perSecond: integer('CODE_CHARS_PER_SECOND', '1000000', 1, 1_000_000_000),
    // A largest codeChange must be able to pass: the default burst grows with MAX_CODE_CHARS.
    burst: integer('CODE_CHARS_BURST', String(Math.max(2_000_000, maxCodeChars)), 1, 1_000_000_000),
  };
  if (codeCharRate.burst < maxCodeChars) {
    throw new ConfigError(`CODE_CHARS_BURST=${codeCharRate.burst} must be at least MAX_CODE_CHARS (${maxCodeChars}), or a largest codeChange could never pass`);
  }
  const flushIntervalMs = duration('FLUSH_INTERVAL', '50ms');
  if (flushIntervalMs < 1 || flushIntervalMs > 100) {
    throw new ConfigError(`FLUSH_INTERVAL must be between 1ms and 100ms (updates are promised on disk within 100 ms)`);
  }
  return {
    port: integer('PORT', '3000', 0, 65535),
    host: get('HOST'),
    storage,
    dataDir: path.resolve(get('DATA_DIR') ?? './data'),
    databaseUrl,
    logLevel: get('LOG_LEVEL') ?? 'info',
    sessionTtlMs: duration('SESSION_TTL', '30d'),
    unloadGraceMs: duration('UNLOAD_GRACE', '30s'),
    pingIntervalMs: duration('PING_INTERVAL', '30s'),
    flushIntervalMs,
    snapshotEvery: integer('SNAPSHOT_EVERY', '500', 1, 1_000_000),
    maxBodyBytes: size('MAX_BODY_BYTES', '1mb'),
    maxMessageBytes: size('MAX_MESSAGE_BYTES', '2mb'),
    maxCodeChars,
    jsonCoalesceMs: duration('JSON_COALESCE', '25ms'),
    allowedOrigins: parseOrigins(get('ALLOWED_ORIGINS') ?? '*'),
    redisUrl: get('REDIS_URL'),
    redisPrefix: redisPrefix(get('REDIS_PREFIX') ?? 'ir:'),
    sessionMaxAgeMs: duration('SESSION_MAX_AGE', '90d'),
    serverSecret: checkSecret(get('SERVER_SECRET')),
    tokenTtlMs: duration('TOKEN_TTL', '4h'),
    apiKeys: new Set((get('API_KEYS') ?? '').split(',').map((key) => key.trim()).filter(Boolean)),
    maxDocumentBytes: size('MAX_DOCUMENT_BYTES', '4mb'),
    maxParticipants: integer('MAX_PARTICIPANTS', '50', 1, 100_000),
    maxConnectionsPerIp: integer('MAX_CONNECTIONS_PER_IP', '100', 1, 1_000_000),
    messagesPerSecond: integer('MESSAGES_PER_SECOND', '100', 1, 1_000_000),
    messageBurst: integer('MESSAGE_BURST', '300', 1, 1_000_000),
    connectionLogBytesPerMinute: size('CONNECTION_LOG_PER_MINUTE', '4mb'),
    sessionLogBytesPerMinute: size('SESSION_LOG_PER_MINUTE', '16mb'),
    maxAwarenessBytes: size('MAX_AWARENESS_BYTES', '8kb'),
    awarenessBytesPerSecond: size('AWARENESS_BYTES_PER_SECOND', '64kb'),
    codeCharRate,
    credentialThrottle: {
      perAddress: { freeFailures: integer('AUTH_FAILURES_PER_ADDRESS', '5', 0, 1_000_000), maxDelayMs: duration('AUTH_MAX_DELAY_PER_ADDRESS', '15m') },
      perSession: { freeFailures: integer('AUTH_FAILURES_PER_SESSION', '20', 0, 1_000_000), maxDelayMs: duration('AUTH_MAX_DELAY_PER_SESSION', '1m') },
    },
    joinTimeoutMs: duration('JOIN_TIMEOUT', '30s'),
    rateLimits: {
      api: integer('RATE_LIMIT_API', '600', 0, 1_000_000),
      create: integer('RATE_LIMIT_CREATE', '60', 0, 1_000_000),
      token: integer('RATE_LIMIT_TOKEN', '30', 0, 1_000_000),
    },
    trustProxy: integer('TRUST_PROXY', '0', 0, 10),
    tls: tlsFiles(get('TLS_CERT'), get('TLS_KEY')),
  };
}
