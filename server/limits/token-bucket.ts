const monotonicNow = (): number => performance.now();

/**
 * A token-bucket rate limit shared by many clients, each of whom keeps its bucket as one number
 * (the generic cell rate algorithm): `burst` tokens, refilled continuously at `ratePerSecond`, one
 * taken per message. The number is the time at which the client's bucket would be full again;
 * thousands of idle connections then cost a number each instead of a bucket object each.
 */
export class RatePolicy {
  /** Milliseconds to refill one token. */
  private readonly intervalMs: number;
  /** How far ahead of now a client's full-again time may run: `burst - 1` tokens' worth. */
  private readonly toleranceMs: number;

  /** A policy for `perMinute` tokens a minute, all of which may be taken at once. */
  static perMinute(perMinute: number, now?: () => number): RatePolicy {
    return new RatePolicy(perMinute / 60, perMinute, now);
  }

  constructor(
    ratePerSecond: number,
    burst: number,
    private readonly now: () => number = monotonicNow,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('a rate policy needs ratePerSecond > 0 and burst >= 1');
    this.intervalMs = 1000 / ratePerSecond;
    this.toleranceMs = (burst - 1) * this.intervalMs;
  }

  /** A bucket that is full (a client that has sent nothing yet). */
  static readonly FULL = 0;

  /**
   * Takes `cost` tokens (one message, or a frame's bytes) from the bucket `state` (FULL at first):
   * the bucket's new state, or -1 when it holds fewer and the message should be refused (the
   * state is then unchanged). A cost above the burst is never admitted.
   */
  take(state: number, cost = 1): number {
    const now = this.now();
    const fullAt = Math.max(state, now);
    if (fullAt - now + (cost - 1) * this.intervalMs > this.toleranceMs) return -1;
    return fullAt + cost * this.intervalMs;
  }
}
