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
   * Takes a token from the bucket `state` (FULL at first): the bucket's new state, or -1 when it
   * is empty and the message should be refused (the state is then unchanged).
   */
  take(state: number): number {
    const now = this.now();
    const fullAt = Math.max(state, now);
    if (fullAt - now > this.toleranceMs) return -1;
    return fullAt + this.intervalMs;
  }
}
