// Token buckets per client address for POST /v1/steer: `rate` requests a second, bursts of
// `burst`. Memory is bounded: buckets are kept in order of last use, and one idle long enough
// to be full again is the same as none, so it is dropped; beyond `maxClients` the least
// recently used go first (that client starts with a full bucket again, a bounded kindness).

export interface RateLimitOptions {
  /** tokens added per second */
  rate: number;
  /** bucket size (default: `rate`, at least 1) */
  burst?: number;
  /** buckets kept at most (default 100,000) */
  maxClients?: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxClients: number;
  /** an untouched bucket is full again after this long */
  private readonly refillMs: number;

  constructor(opts: RateLimitOptions) {
    if (!(opts.rate > 0)) throw new RangeError('rate must be positive');
    this.rate = opts.rate;
    this.burst = Math.max(1, opts.burst ?? opts.rate);
    this.maxClients = opts.maxClients ?? 100_000;
    this.refillMs = (this.burst / this.rate) * 1000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes a token for `key`: 0 when allowed, else the ms until the next token. */
  take(key: string, nowMs: number): number {
    this.evict(nowMs);
    const held = this.buckets.get(key);
    let tokens = this.burst;
    if (held) {
      tokens = Math.min(this.burst, held.tokens + ((nowMs - held.atMs) * this.rate) / 1000);
      // Re-inserted so the map stays in order of last use, oldest first.
      this.buckets.delete(key);
    }
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.set(key, { tokens, atMs: nowMs });
    return allowed ? 0 : Math.ceil(((1 - tokens) * 1000) / this.rate);
  }

  private evict(nowMs: number): void {
    for (const [key, b] of this.buckets) {
      if (nowMs - b.atMs < this.refillMs && this.buckets.size < this.maxClients) return;
      this.buckets.delete(key);
    }
  }
}
