/**
 * Fan-out latency of keystrokes, keyed by Yjs item id: the sender notes when it sent the item at
 * (clientID, clock), each receiver reports the clocks it integrated. Every client lives in this one
 * process, so both ends read the same clock (`performance.now()`).
 */
export class LatencyRecorder {
  private readonly sentAt = new Map<number, number[]>();
  private samples: number[] = [];
  /** Keystrokes sent since the last `reset`. */
  keystrokes = 0;
  /** Deliveries of a timed keystroke to a receiver since the last `reset`. */
  deliveries = 0;

  /** Notes that the item at (`client`, `clock`) left its sender at `at`. */
  markSent(client: number, clock: number, at: number): void {
    let times = this.sentAt.get(client);
    if (!times) this.sentAt.set(client, (times = []));
    times[clock] = at;
    this.keystrokes++;
  }

  /** Records the arrival at `at` of `client`'s items with clocks from `from` (inclusive) to `to` (exclusive). */
  delivered(client: number, from: number, to: number, at: number): void {
    const times = this.sentAt.get(client);
    if (!times) return;
    for (let clock = from; clock < to; clock++) {
      const sent = times[clock];
      // Items without a send time were typed before timing started (none in this workload) or are not keystrokes.
      if (sent === undefined) continue;
      this.samples.push(at - sent);
      this.deliveries++;
    }
  }

  /** Forgets the samples and counts (the send times stay, so late arrivals still match). */
  reset(): void {
    this.samples = [];
    this.keystrokes = 0;
    this.deliveries = 0;
  }

  /** The given percentiles (0–100) of the samples so far, in milliseconds; NaN when there are none. */
  percentiles(...ranks: number[]): number[] {
    const sorted = Float64Array.from(this.samples).sort();
    return ranks.map((rank) => (sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((rank / 100) * sorted.length) - 1))]!));
  }

  /** The largest sample, in milliseconds; NaN when there are none. */
  max(): number {
    return this.samples.length === 0 ? Number.NaN : this.samples.reduce((a, b) => (b > a ? b : a), Number.NEGATIVE_INFINITY);
  }
}
