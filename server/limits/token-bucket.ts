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
   * Takes `tokens` (one by default) from the bucket `state` (FULL at first): the bucket's new
   * state, or -1 when it holds fewer and the message should be refused (the state is then
   * unchanged). More tokens than `burst` are never granted; taking 0 always succeeds.
   */
  take(state: number, tokens = 1): number {
    const now = this.now();
    const fullAt = Math.max(state, now);
    if (fullAt - now > this.toleranceMs - (tokens - 1) * this.intervalMs) return -1;
    return fullAt + tokens * this.intervalMs;
  }
}

/** One client's token bucket: a RatePolicy with its own state. */
export class TokenBucket {
  private state = RatePolicy.FULL;
  private readonly policy: RatePolicy;

  constructor(ratePerSecond: number, burst: number, now?: () => number) {
    this.policy = new RatePolicy(ratePerSecond, burst, now);
  }

  /** Takes `tokens` (one by default); false when the bucket holds fewer (refuse, nothing is taken). */
  take(tokens = 1): boolean {
    const next = this.policy.take(this.state, tokens);
    if (next < 0) return false;
    this.state = next;
    return true;
  }
}

/**
 * Message-rate policy for one connection: refuse what exceeds the bucket, and report abuse once
 * refusals keep coming for `closeAfterRefusals` messages in a row (the caller closes).
 */
export class RateGuard {
  private readonly bucket: TokenBucket;
  private refusedInARow = 0;

  constructor(ratePerSecond: number, burst: number, private readonly closeAfterRefusals: number) {
    this.bucket = new TokenBucket(ratePerSecond, burst);
  }

  /** 'ok' to handle the message, 'refuse' to drop it, 'close' when the flood goes on. */
  check(): 'ok' | 'refuse' | 'close' {
    if (this.bucket.take()) {
      this.refusedInARow = 0;
      return 'ok';
    }
    this.refusedInARow++;
    return this.refusedInARow >= this.closeAfterRefusals ? 'close' : 'refuse';
  }
}
