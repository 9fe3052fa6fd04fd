// Per-segment failover down the ranked URL list control returned (DESIGN flow 1 and 3:
// "rank 1, else rank 2…"). An attempt is abandoned on an error, on its timeout, or when
// its projected finish is later than the moment the buffer runs dry: waiting would mean a
// stall that another appliance may avoid. The projection follows dash.js's
// AbandonRequestsRule (judge only after a grace period, from the rate measured so far);
// the deadline is the buffer, not the segment duration. When every rank has failed, the
// caller asks control to steer again.

import type { SteerResponse } from '@ferry/protocol';
import type { Clock } from './clock.js';

export type RankedUrl = SteerResponse['streams'][number]['urls'][number];

export interface FailoverConfig {
  /** Whole-attempt limit, from sending the request to the last byte. */
  requestTimeoutMs: number;
  /** No slowness verdict before this much of an attempt has passed (dash.js: 500 ms). */
  graceMs: number;
}

export const DEFAULT_FAILOVER_CONFIG: FailoverConfig = { requestTimeoutMs: 5000, graceMs: 500 };

export type FailReason = 'error' | 'timeout' | 'too-slow';

export interface Progress {
  bytesDone: number;
  bytesTotal: number;
  /** From the buffer model: Infinity while nothing is draining. */
  timeToEmptyMs: number;
  /**
   * The viewer's own access bandwidth now (bits/s), when it has a simulated link. A transfer
   * already moving at most of that rate is limited by the viewer's link, not the appliance:
   * another appliance would be no faster, so it is never abandoned (the ABR steps down for
   * the next segment instead, as dash.js's abandonment switches quality, not location).
   */
  accessBps?: number;
}

/** Share of the access bandwidth above which a transfer counts as limited by the link. */
export const ACCESS_LIMITED_SHARE = 0.6;

export type Verdict =
  | { abandon: false }
  | { abandon: true; reason: Exclude<FailReason, 'error'>; detail: string };

export interface FailoverEvent {
  /** clock time of the failover */
  at: number;
  from: RankedUrl;
  /** undefined when the list ran out and a new steer is due */
  to: RankedUrl | undefined;
  reason: FailReason;
  detail: string;
}

export type NextStep = { kind: 'try'; url: RankedUrl } | { kind: 'resteer' };

export class SegmentFailover {
  private readonly urls: RankedUrl[];
  private readonly config: FailoverConfig;
  private position = 0;
  private attemptStart: number;
  readonly events: FailoverEvent[] = [];

  constructor(
    urls: readonly RankedUrl[],
    private readonly clock: Clock,
    config: Partial<FailoverConfig> = {},
  ) {
    this.urls = [...urls].sort((a, b) => a.rank - b.rank);
    this.config = { ...DEFAULT_FAILOVER_CONFIG, ...config };
    this.attemptStart = clock.now();
  }

  /** The URL to fetch now, or undefined once every rank has failed. */
  current(): RankedUrl | undefined {
    return this.urls[this.position];
  }

  /** Call when a request is sent; the timeout and projection count from here. */
  begin(): void {
    this.attemptStart = this.clock.now();
  }

  private get hasNext(): boolean {
    return this.position + 1 < this.urls.length;
  }

  /** Whether the attempt in flight should be given up, judged on its progress so far. */
  check(p: Progress): Verdict {
    const elapsed = this.clock.now() - this.attemptStart;
    if (
      p.accessBps !== undefined &&
      p.bytesDone > 0 &&
      elapsed > 0 &&
      (p.bytesDone * 8 * 1000) / elapsed >= ACCESS_LIMITED_SHARE * p.accessBps
    ) {
      return { abandon: false };
    }
    if (elapsed >= this.config.requestTimeoutMs) {
      return { abandon: true, reason: 'timeout', detail: `no complete answer in ${Math.round(elapsed)} ms` };
    }
    // Restarting on the last rank would throw away the bytes and steer again, which
    // cannot finish sooner than a slow transfer that is still moving.
    if (!this.hasNext || elapsed < this.config.graceMs) return { abandon: false };
    const remaining = p.bytesTotal - p.bytesDone;
    if (p.bytesDone <= 0) {
      if (elapsed > p.timeToEmptyMs) {
        return { abandon: true, reason: 'too-slow', detail: `no bytes after ${Math.round(elapsed)} ms` };
      }
      return { abandon: false };
    }
    const projectedMs = remaining / (p.bytesDone / elapsed);
    if (projectedMs > p.timeToEmptyMs) {
      return {
        abandon: true,
        reason: 'too-slow',
        detail: `projected ${Math.round(projectedMs)} ms to finish, buffer empties in ${Math.round(p.timeToEmptyMs)} ms`,
      };
    }
    return { abandon: false };
  }

  /** The current attempt failed: move to the next rank, or ask for a new steer. */
  fail(reason: FailReason, detail: string): NextStep {
    const from = this.urls[this.position];
    if (!from) return { kind: 'resteer' };
    this.position++;
    const to = this.urls[this.position];
    this.events.push({ at: this.clock.now(), from, to, reason, detail });
    return to ? { kind: 'try', url: to } : { kind: 'resteer' };
  }

  /** Moves to a lower rank, not counting a steer that ran out of URLs. */
  get failovers(): number {
    return this.events.filter((e) => e.to !== undefined).length;
  }
}
