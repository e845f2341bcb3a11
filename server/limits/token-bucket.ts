const monotonicNow = (): number => performance.now();

/**
 * A token bucket: `ratePerSecond` tokens refill continuously up to `burst`. Each message takes
 * one. Bursts (a paste, a reconnect's resync) pass; a sustained flood runs dry.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token; false when the bucket is empty (the message should be refused). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
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
