// Which appliances this player has stopped using, and for how long. After a failed fetch
// the appliance is skipped for an exponentially growing time — 5 s, doubling per further
// failure, at most 60 s — and a successful fetch from it resets the count.
//
// Where the numbers come from: real players keep a failed location out of use for a
// while rather than retrying it for every segment. hls.js penalizes a failed Content
// Steering pathway for a fixed 300 s (PATHWAY_PENALTY_DURATION_MS in its
// content-steering-controller), and dash.js blacklists a failed BaseURL / service location
// for the rest of the session. Those are long because a CDN rarely comes back soon; a
// Ferry appliance does (a restart takes seconds, and control takes it out of steering in
// about its heartbeat staleness, 2.5 s), so we start short and back off, as a retry
// policy does, capping at one minute.
import type { Clock } from './clock.js';
import type { FailReason } from './failover.js';
import type { ExclusionMark } from './qoe.js';

export interface ExclusionConfig {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_EXCLUSION_CONFIG: ExclusionConfig = { baseMs: 5000, maxMs: 60_000 };

interface Entry {
  failures: number;
  until: number;
}

export class ExclusionList {
  private readonly entries = new Map<string, Entry>();
  private readonly config: ExclusionConfig;

  constructor(
    private readonly clock: Clock,
    config: Partial<ExclusionConfig> = {},
  ) {
    this.config = { ...DEFAULT_EXCLUSION_CONFIG, ...config };
  }

  /** Excludes `applianceId` after a failure; returns for how long (ms). */
  fail(applianceId: string, reason: FailReason, t0 = 0): ExclusionMark {
    const e = this.entries.get(applianceId) ?? { failures: 0, until: 0 };
    const forMs = Math.min(this.config.maxMs, this.config.baseMs * 2 ** e.failures);
    const now = this.clock.now();
    e.failures++;
    e.until = now + forMs;
    this.entries.set(applianceId, e);
    return { atMs: now - t0, applianceId, forMs, reason };
  }

  succeed(applianceId: string): void {
    this.entries.delete(applianceId);
  }

  isExcluded(applianceId: string): boolean {
    const e = this.entries.get(applianceId);
    return e !== undefined && e.until > this.clock.now();
  }

  /** When the exclusion of `applianceId` ends (clock ms); 0 when it is not excluded. */
  endsAt(applianceId: string): number {
    return this.entries.get(applianceId)?.until ?? 0;
  }

  /**
   * The earliest end among exclusions that are still running, or that ended after `since`:
   * the moment a fresh steer is worth asking for before trying a recovered appliance again.
   */
  nextEndAfter(since: number): number | undefined {
    let best: number | undefined;
    for (const e of this.entries.values()) {
      if (e.until > since && (best === undefined || e.until < best)) best = e.until;
    }
    return best;
  }

  /** Splits ranked URLs into the usable ones (rank order kept) and the skipped ones. */
  filter<T extends { applianceId: string }>(urls: readonly T[]): { usable: T[]; skipped: T[] } {
    const usable: T[] = [];
    const skipped: T[] = [];
    for (const u of urls) (this.isExcluded(u.applianceId) ? skipped : usable).push(u);
    return { usable, skipped };
  }

  /** Of URLs that are all excluded, the one whose exclusion ends first (never starve). */
  soonest<T extends { applianceId: string }>(urls: readonly T[]): T | undefined {
    let best: T | undefined;
    for (const u of urls) if (!best || this.endsAt(u.applianceId) < this.endsAt(best.applianceId)) best = u;
    return best;
  }
}
