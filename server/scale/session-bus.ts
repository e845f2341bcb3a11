import type { LiveSession } from '../sessions/live-session.js';

/**
 * What a SessionHub needs from whatever carries sessions between server instances. With one
 * instance there is none; with `REDIS_URL` it is the RedisBus.
 */
export interface SessionBus {
  /** Identifies this instance among the others. */
  readonly instanceId: string;
  /**
   * Connects a freshly loaded session before anyone is answered: applies the updates other
   * instances have in flight (not yet in storage), then relays changes both ways.
   * `catchUp` re-reads the session from storage; the bus calls it when it may have missed more
   * than Redis still holds.
   */
  attach(live: LiveSession, catchUp: () => Promise<void>): Promise<void>;
  /** Stops relaying a session that is being unloaded. */
  detach(live: LiveSession): void;
  /** Publishes this instance's participant count for a session. */
  setParticipants(sessionId: string, count: number): void;
  /** The participant count over every live instance (`local` is this instance's own). */
  participants(sessionId: string, local: number): Promise<number>;
  /** Tells the other instances that a session's access changed, so they enforce it too. */
  announceAccess(sessionId: string): void;
  /** Called when another instance announced an access change. */
  onAccessChange: ((sessionId: string) => void) | null;
  /** Resolves when Redis answers (readiness). */
  ping(): Promise<void>;
  /** Withdraws this instance's counts and disconnects. */
  close(): Promise<void>;
}
