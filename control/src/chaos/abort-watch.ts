// Control's own signals while experiments run (docs/chaos.md "Abort conditions"): over a
// sliding window, the share of steering decisions that found the client's network unable to
// serve (`health-miss`) or found nowhere at all (`none`), and the share of responses the
// appliances report as failed (deltas between heartbeats of one boot). Either crossing its
// threshold, with enough samples to mean something, aborts every experiment. Ten buckets per
// window keep memory fixed whatever the request rate; the window slides by a tenth.
import { setBounded } from '@ferry/protocol';
import type { ChaosAbortConfig } from '../config.js';
import type { RankDecision } from '../steering/rank.js';

export type AbortReason = 'steering-misses' | 'error-rate';

export interface AbortVerdict {
  reason: AbortReason;
  /** in words, with the numbers */
  message: string;
  detail: Record<string, number>;
}

interface Bucket {
  decisions: number;
  misses: number;
  responses: number;
  failed: number;
}

const BUCKETS_PER_WINDOW = 10;
/** Appliances whose counters are remembered; beyond it the oldest is forgotten. */
const MAX_TRACKED = 100_000;

export class AbortWatch {
  private readonly buckets = new Map<number, Bucket>();
  private readonly counters = new Map<string, { boot: string; total: number; failed: number }>();

  private readonly bucketMs: number;

  constructor(
    private readonly cfg: ChaosAbortConfig,
    private readonly now: () => number,
  ) {
    this.bucketMs = Math.max(1, Math.floor(cfg.windowMs / BUCKETS_PER_WINDOW));
  }

  private bucket(): Bucket {
    const at = Math.floor(this.now() / this.bucketMs);
    let b = this.buckets.get(at);
    if (!b) {
      b = { decisions: 0, misses: 0, responses: 0, failed: 0 };
      this.buckets.set(at, b);
      this.prune(at);
    }
    return b;
  }

  private prune(at: number): void {
    const oldest = at - BUCKETS_PER_WINDOW;
    for (const k of this.buckets.keys()) if (k <= oldest) this.buckets.delete(k);
  }

  noteDecision(decision: RankDecision): void {
    const b = this.bucket();
    b.decisions++;
    if (decision === 'none' || decision === 'health-miss') b.misses++;
  }

  /**
   * An appliance's counters since its boot. The first report of a boot is the baseline (what
   * it counted before is not news), except after a restart, whose counts are all new.
   * `excluded`: its failures are an experiment's doing (an `errors` fault), not news either.
   */
  noteResponses(
    applianceId: string,
    boot: string,
    counts: { total: number; failed: number },
    excluded: boolean,
  ): void {
    const prev = this.counters.get(applianceId);
    setBounded(this.counters, applianceId, { boot, ...counts }, MAX_TRACKED);
    if (!prev || excluded) return;
    const sameBoot = prev.boot === boot && counts.total >= prev.total && counts.failed >= prev.failed;
    const total = sameBoot ? counts.total - prev.total : counts.total;
    const failed = sameBoot ? counts.failed - prev.failed : counts.failed;
    const b = this.bucket();
    b.responses += total;
    b.failed += Math.min(failed, total);
  }

  forget(applianceId: string): void {
    this.counters.delete(applianceId);
  }

  /** The window's sums. */
  window(): Bucket {
    this.prune(Math.floor(this.now() / this.bucketMs));
    const sum: Bucket = { decisions: 0, misses: 0, responses: 0, failed: 0 };
    for (const b of this.buckets.values()) {
      sum.decisions += b.decisions;
      sum.misses += b.misses;
      sum.responses += b.responses;
      sum.failed += b.failed;
    }
    return sum;
  }

  /** The condition crossed now, if any. */
  verdict(): AbortVerdict | undefined {
    const w = this.window();
    const { cfg } = this;
    const secs = `${cfg.windowMs / 1000} s`;
    if (w.decisions >= cfg.minDecisions && w.misses / w.decisions >= cfg.steerMissShare) {
      return {
        reason: 'steering-misses',
        message: `${w.misses} of ${w.decisions} steering decisions in ${secs} were none or health-miss (abort at ${cfg.steerMissShare})`,
        detail: { misses: w.misses, decisions: w.decisions, threshold: cfg.steerMissShare },
      };
    }
    if (w.responses >= cfg.minResponses && w.failed / w.responses >= cfg.errorRate) {
      return {
        reason: 'error-rate',
        message: `${w.failed} of ${w.responses} responses in ${secs} failed (abort at ${cfg.errorRate})`,
        detail: { failed: w.failed, responses: w.responses, threshold: cfg.errorRate },
      };
    }
    return undefined;
  }
}
