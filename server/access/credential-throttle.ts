import { ErrorCode } from '../../shared/protocol/errors.js';
import { SessionError } from '../sessions/session-error.js';

/** One dimension of the throttle (per address, or per session). */
export interface FailureBackoffLimits {
  /** Failed checks allowed before delays start. */
  freeFailures: number;
  /** Each further failure doubles the delay from 1 s up to this; 0 turns the dimension off. */
  maxDelayMs: number;
}

/** The throttle's two dimensions, as configured. */
export interface CredentialThrottleLimits {
  perAddress: FailureBackoffLimits;
  perSession: FailureBackoffLimits;
}

/** The first delay, once the free failures are used up. */
const FIRST_DELAY_MS = 1_000;
/** A key whose last failure is this old starts afresh. */
const FORGET_AFTER_MS = 60 * 60_000;
/** Keys kept per dimension; past this the least recently failed are dropped. */
const MAX_KEYS = 100_000;

/** A refused credential check: `rate_limited`, and when the client may try again. */
export class ThrottledError extends SessionError {
  constructor(readonly retryAfterMs: number) {
    super(ErrorCode.RateLimited, `too many failed sign-in attempts; try again in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** What is checked: a candidate's password (scrypt) or the interviewer's owner secret. */
export type CredentialKind = 'password' | 'owner_secret';

/** How a check ended: right, wrong, or refused by the throttle before it ran. */
export type CheckOutcome = 'ok' | 'failed' | 'throttled';

/** One check in progress: counted as a failure until it turns out to have succeeded. */
export interface CredentialAttempt {
  /** The credentials were right: the attempt no longer counts as a failure. */
  succeeded(): void;
  /** The credentials were wrong (it already counts; this reports it). */
  failed(): void;
}

interface Failures {
  count: number;
  lastAt: number;
}

/**
 * Failed checks per key, and how long a key must wait before its next check: nothing for the
 * first `freeFailures`, then 1 s, 2 s, 4 s ... up to `maxDelayMs` after the last failure. The map
 * is kept in order of last failure, so the forgotten keys are always at its front.
 */
class FailureBackoff {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly limits: FailureBackoffLimits,
    private readonly now: () => number,
  ) {}

  /** Milliseconds until `key` may be checked again; 0 when it may now. */
  wait(key: string): number {
    this.forget();
    const entry = this.failures.get(key);
    if (!entry || this.limits.maxDelayMs <= 0 || entry.count < this.limits.freeFailures) return 0;
    const delay = Math.min(this.limits.maxDelayMs, FIRST_DELAY_MS * 2 ** (entry.count - this.limits.freeFailures));
    return Math.max(0, entry.lastAt + delay - this.now());
  }

  /** Counts a failure for `key`; returns what undoes it. */
  fail(key: string): () => void {
    if (this.limits.maxDelayMs <= 0) return () => undefined;
    const entry = this.failures.get(key) ?? { count: 0, lastAt: 0 };
    entry.count++;
    entry.lastAt = this.now();
    // Re-inserted at the end: the map stays in order of last failure.
    this.failures.delete(key);
    this.failures.set(key, entry);
    if (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
    return () => {
      entry.count--;
      if (entry.count <= 0 && this.failures.get(key) === entry) this.failures.delete(key);
    };
  }

  private forget(): void {
    const cutoff = this.now() - FORGET_AFTER_MS;
    for (const [key, entry] of this.failures) {
      if (entry.lastAt > cutoff) break;
      this.failures.delete(key);
    }
  }
}

/**
 * The one limit on guessing credentials (passwords and owner secrets), wherever they are checked:
 * per client address and per session, with a delay that grows after failures. A check that has
 * to wait is refused at once, before any hashing, so a guesser costs the server no scrypt. A check
 * counts as a failure from the moment it starts, so guesses sent all at once cannot slip through
 * together; a right one is then taken back.
 */
export class CredentialThrottle {
  private readonly perAddress: FailureBackoff;
  private readonly perSession: FailureBackoff;

  /** `onCheck` hears every check's outcome (for metrics). */
  constructor(
    limits: CredentialThrottleLimits,
    private readonly onCheck: (kind: CredentialKind, outcome: CheckOutcome) => void = () => undefined,
    now: () => number = Date.now,
  ) {
    this.perAddress = new FailureBackoff(limits.perAddress, now);
    this.perSession = new FailureBackoff(limits.perSession, now);
  }

  /**
   * Starts a check of `kind` from `address` for `sessionId`; throws ThrottledError when either
   * must still wait. Call `succeeded()` or `failed()` on the result once the check is done.
   * An address has one allowance for every kind; a session has one per kind, so that guessing
   * its password never holds back the interviewer's owner secret.
   */
  begin(kind: CredentialKind, address: string, sessionId: string): CredentialAttempt {
    const sessionKey = `${kind} ${sessionId}`;
    const wait = Math.max(this.perAddress.wait(address), this.perSession.wait(sessionKey));
    if (wait > 0) {
      this.onCheck(kind, 'throttled');
      throw new ThrottledError(wait);
    }
    const undoAddress = this.perAddress.fail(address);
    const undoSession = this.perSession.fail(sessionKey);
    return {
      succeeded: () => {
        undoAddress();
        undoSession();
        this.onCheck(kind, 'ok');
      },
      failed: () => this.onCheck(kind, 'failed'),
    };
  }
}
