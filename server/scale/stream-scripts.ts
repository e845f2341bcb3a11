import type { Redis } from 'ioredis';

/**
 * The Lua scripts that keep a session's Redis stream a write-ahead log (docs/scaling.md,
 * "Durability"). Each runs atomically, which is what makes the bookkeeping race-free: an append
 * and a confirmation cannot interleave, so a session is never marked stored while an entry it
 * holds is not.
 *
 * Keys of a session `<id>` under the deployment's prefix `P`:
 *   P s:<id>:updates   the stream; each entry: o (origin instance), k (update uid), u (update)
 *   P s:<id>:stored    the marker: every entry up to this id is in storage
 *   P s:<id>:lease     the instance persisting the session now (a TTL: it renews while it works)
 *   P unstored         sorted set of sessions whose stream holds entries past the marker, scored
 *                      by when someone last made progress on them (ms, Redis's clock)
 */

/** The Redis keys of a session under a deployment's prefix (see above), and its pub/sub channel. */
export function sessionKeys(prefix: string, sessionId: string): { stream: string; marker: string; lease: string; channel: string } {
  const base = `${prefix}s:${sessionId}`;
  return { stream: `${base}:updates`, marker: `${base}:stored`, lease: `${base}:lease`, channel: base };
}

/** The sorted set of sessions with unstored entries, under a deployment's prefix. */
export function unstoredKey(prefix: string): string {
  return `${prefix}unstored`;
}

/** Stream ids compared as numbers: `newer(a, b)` is true when a > b. */
const NEWER = `
local function newer(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
`;

/**
 * Appends an update and publishes it with the id it got and the id of the entry before it, so a
 * subscriber can detect a gap and repair it from the stream. The stream loses any expiry (it
 * holds an entry not yet stored) and the session joins the unstored set unless it is there.
 * KEYS: stream, unstored set. ARGV: channel, instance, uid, payload, session id.
 */
const APPEND = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local previous = '0-0'
if #last > 0 then previous = last[1][1] end
local id = redis.call('XADD', KEYS[1], '*', 'o', ARGV[2], 'k', ARGV[3], 'u', ARGV[4])
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', KEYS[2], 'NX', tonumber(string.match(id, '^(%d+)')), ARGV[5])
redis.call('PUBLISH', ARGV[1], 'u|' .. ARGV[2] .. '|' .. id .. '|' .. previous .. '|' .. ARGV[3] .. '|' .. ARGV[4])
return id
`;

/**
 * Takes or renews the lease and, when this instance holds it, returns the entries after
 * max(marker, `from`). Answers { 1, marker, entries } to the holder, { 0, marker, lease ms left }
 * to anyone else. KEYS: lease, marker, stream. ARGV: instance, lease ms, from (exclusive), count.
 */
const CLAIM = `${NEWER}
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  holder = ARGV[1]
elseif holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local marker = redis.call('GET', KEYS[2]) or '0-0'
if holder ~= ARGV[1] then return { 0, marker, redis.call('PTTL', KEYS[1]) } end
local from = ARGV[3]
if newer(marker, from) then from = marker end
return { 1, marker, redis.call('XRANGE', KEYS[3], '(' .. from, '+', 'COUNT', ARGV[4]) }
`;

/**
 * Storage confirmed every entry up to `upto`: moves the marker (never back), trims what is both
 * stored and older than the retention, and when nothing is left unstored lets the stream and the
 * marker expire and takes the session out of the unstored set (else notes the progress there).
 * Tells the session's subscribers, who drop what they held in memory up to the marker.
 * KEYS: marker, stream, unstored set. ARGV: upto, session id, trim-before id, expiry ms,
 * channel, instance. Returns the marker.
 */
const CONFIRM = `${NEWER}
local marker = redis.call('GET', KEYS[1]) or '0-0'
if newer(ARGV[1], marker) then
  marker = ARGV[1]
  redis.call('SET', KEYS[1], marker)
end
local trim = ARGV[3]
if newer(trim, marker) then trim = marker end
redis.call('XTRIM', KEYS[2], 'MINID', trim)
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last == 0 or not newer(last[1][1], marker) then
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
else
  local now = redis.call('TIME')
  redis.call('ZADD', KEYS[3], 'XX', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), ARGV[2])
end
redis.call('PUBLISH', ARGV[5], 's|' .. ARGV[6] .. '|' .. marker .. '|')
return marker
`;

/** Gives up the lease if this instance holds it. KEYS: lease. ARGV: instance. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The entries past the marker, read with the marker in one step: what a reader must add to what
 * storage holds. KEYS: marker, stream. Returns { marker, entries }.
 */
const UNSTORED = `
local marker = redis.call('GET', KEYS[1]) or '0-0'
return { marker, redis.call('XRANGE', KEYS[2], '(' .. marker, '+') }
`;

/**
 * Sessions nobody made progress on for `stale ms` (by Redis's clock): their persister died, or
 * the last instance holding them did. KEYS: unstored set. ARGV: stale ms, count.
 */
const STALE = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ms - tonumber(ARGV[1]), 'LIMIT', 0, ARGV[2])
`;

/** A stream entry as Redis returns it: id, then field/value pairs. */
export type RawEntry = [id: Buffer, fields: Buffer[]];

/** The scripts as commands of a client (`defineStreamScripts`), with Buffer replies where entries come back. */
export interface StreamScripts {
  appendUpdate(stream: string, unstored: string, channel: string, instance: string, uid: string, payload: Buffer, sessionId: string): Promise<string>;
  claimBuffer(lease: string, marker: string, stream: string, instance: string, leaseMs: number, from: string, count: number): Promise<[0 | 1, Buffer, number | RawEntry[]]>;
  confirmStored(marker: string, stream: string, unstored: string, upto: string, sessionId: string, trimBefore: string, expireMs: number, channel: string, instance: string): Promise<string>;
  releaseLease(lease: string, instance: string): Promise<number>;
  unstoredBuffer(marker: string, stream: string): Promise<[Buffer, RawEntry[]]>;
  staleSessions(unstored: string, staleMs: number, count: number): Promise<string[]>;
}

/** Defines the scripts on `client`; returns it typed with them. */
export function defineStreamScripts(client: Redis): Redis & StreamScripts {
  client.defineCommand('appendUpdate', { numberOfKeys: 2, lua: APPEND });
  client.defineCommand('claim', { numberOfKeys: 3, lua: CLAIM });
  client.defineCommand('confirmStored', { numberOfKeys: 3, lua: CONFIRM });
  client.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE });
  client.defineCommand('unstored', { numberOfKeys: 2, lua: UNSTORED });
  client.defineCommand('staleSessions', { numberOfKeys: 1, lua: STALE });
  return client as Redis & StreamScripts;
}

/** The fields of a stream entry by name. */
export function entryFields(fields: Buffer[]): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!.toString('latin1'), fields[i + 1]!);
  return values;
}
