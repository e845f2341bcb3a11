const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Whether `value` has the shape of a session id (a lowercase UUID v4). Says nothing about whether
 * the session exists.
 */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && UUID_V4.test(value);
}
