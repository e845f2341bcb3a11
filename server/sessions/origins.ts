/**
 * Transaction origins that are not connections. Connections are their own origin, so a handler
 * can skip the connection an update came from; storage-loaded state is neither re-logged nor
 * broadcast.
 */
export const STORAGE_ORIGIN = Symbol('storage');

/** Changes the server makes itself (session creation). */
export const SERVER_ORIGIN = Symbol('server');

/** Updates and awareness relayed from other server instances through Redis. */
export const REDIS_ORIGIN = Symbol('redis');
