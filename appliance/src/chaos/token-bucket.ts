// A token bucket in bytes, for the chaos throttle. Tokens may be borrowed: a piece takes
// its bytes at once and waits until the debt is paid, so pieces of several connections
// sharing one bucket queue up in the order they asked, and the long-run rate is the cap.

export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param rate bytes per second
   * @param burst most tokens saved up while idle: also the largest piece handed out
   */
  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `n` bytes' worth of tokens; returns the ms to wait before sending them. */
  take(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }
}

/**
 * Piece size for a cap: a tenth of a second's worth, so the rate is smooth at the scale a
 * player measures, within 1 KiB (the smallest cap) .. 256 KiB (the engine's inline size).
 */
export function burstFor(rate: number): number {
  return Math.max(1024, Math.min(256 * 1024, Math.floor(rate / 10)));
}
