// The fill rate: one cap over every download at once (`--fill-rate`, a token bucket the
// downloads share, so two downloads get about half the rate each and the sum stays at the
// cap), and the meter that reports the rate reached (`bytesPerSec` in FillReport).
import { setTimeout as sleep } from 'node:timers/promises';
import { burstFor, TokenBucket } from '../chaos/token-bucket.js';

export class RateCap {
  private readonly bucket: TokenBucket | undefined;

  /** @param bytesPerSec absent: no cap */
  constructor(bytesPerSec: number | undefined, now: () => number = () => performance.now()) {
    this.bucket =
      bytesPerSec === undefined ? undefined : new TokenBucket(bytesPerSec, burstFor(bytesPerSec), now);
  }

  get bytesPerSec(): number | null {
    return this.bucket?.rate ?? null;
  }

  /**
   * Resolves once `n` bytes that were just read may be written. The download reads its next
   * chunk only after this, so a source is read no faster than the cap allows.
   */
  async take(n: number, signal: AbortSignal): Promise<void> {
    const waitMs = this.bucket?.take(n) ?? 0;
    if (waitMs > 0) await sleep(waitMs, undefined, { signal });
  }
}

/** Bytes over the last few seconds, in one-second buckets: the rate "now" without a spike per chunk. */
export class RateMeter {
  private readonly buckets: number[];
  private current = 0;
  private currentSec: number;

  constructor(
    private readonly spanSec = 5,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.buckets = new Array(spanSec).fill(0);
    this.currentSec = Math.floor(now() / 1000);
  }

  add(bytes: number): void {
    this.roll();
    this.current += bytes;
  }

  /** Bytes per second over the last `spanSec` whole seconds. */
  rate(): number {
    this.roll();
    return this.buckets.reduce((a, b) => a + b, 0) / this.spanSec;
  }

  private roll(): void {
    const sec = Math.floor(this.now() / 1000);
    if (sec === this.currentSec) return;
    const steps = Math.min(sec - this.currentSec, this.spanSec);
    for (let i = 0; i < steps; i++) {
      this.buckets.shift();
      this.buckets.push(i === 0 ? this.current : 0);
    }
    this.current = 0;
    this.currentSec = sec;
  }
}
