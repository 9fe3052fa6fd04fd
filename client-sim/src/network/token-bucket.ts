// A token bucket in bytes, refilled at the viewer's current bandwidth. `take` lets a chunk
// through and then waits off the debt, so the average rate is the profile's whatever the
// chunk sizes; the burst is about one TCP initial window (10 × 1460 B), so a fresh
// transfer is not limited for its first few packets, as on a real link.
import { setTimeout as sleep } from 'node:timers/promises';

export const DEFAULT_BURST_BYTES = 16 * 1024;

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    /** bits per second now */
    private readonly rateBps: () => number,
    private readonly burstBytes: number = DEFAULT_BURST_BYTES,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burstBytes;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((t - this.last) / 1000) * (this.rateBps() / 8));
    this.last = t;
  }

  /** ms to wait after taking `bytes` now (0 when the bucket had them). */
  debit(bytes: number): number {
    this.refill();
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens * 8 * 1000) / this.rateBps();
  }

  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const wait = this.debit(bytes);
    if (wait > 0) await sleep(wait, undefined, signal ? { signal } : undefined);
  }
}
