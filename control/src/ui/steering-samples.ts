// Steering decisions per second by class for the dashboard's chart: every second the
// ferry_control_steering_decisions_total counter (server/metrics.ts) is read and the growth
// since the last read kept, in a ring of the last 15 minutes. The counter is what Prometheus
// scrapes too, so the chart and a Grafana panel agree.
import type { RankDecision } from '../steering/rank.js';

export const DECISION_CLASSES: readonly RankDecision[] = [
  'local-hit',
  'content-miss',
  'health-miss',
  'fallback',
  'none',
];

export interface DecisionSample {
  /** end of the second it covers, ms since the epoch */
  atMs: number;
  /** decisions in that second, by class */
  counts: Record<RankDecision, number>;
}

export const RING_SECONDS = 15 * 60;

/** What the counter reads as: prom-client's `get()` values. */
export type CounterValues = readonly { value: number; labels: Partial<Record<string, string | number>> }[];

export class SteeringSamples {
  private readonly ring: DecisionSample[] = [];
  private last: Record<RankDecision, number> | undefined;

  constructor(private readonly capacity = RING_SECONDS) {}

  /** One read of the counter: the first read only sets the baseline. */
  add(values: CounterValues, atMs: number): void {
    const totals = zero();
    for (const v of values) {
      const d = v.labels['decision'];
      if (typeof d === 'string' && d in totals) totals[d as RankDecision] += v.value;
    }
    const prev = this.last;
    this.last = totals;
    if (!prev) return;
    const counts = zero();
    // A counter never goes down; a reset (tests) counts as a fresh start, not negative.
    for (const c of DECISION_CLASSES) counts[c] = Math.max(0, totals[c] - prev[c]);
    this.ring.push({ atMs, counts });
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** Oldest first; the last `seconds` of them (default all). */
  samples(seconds?: number): DecisionSample[] {
    return seconds === undefined ? [...this.ring] : this.ring.slice(-seconds);
  }

  /** The counter as last read: decisions since control started, by class. */
  totals(): Record<RankDecision, number> {
    return { ...(this.last ?? zero()) };
  }
}

function zero(): Record<RankDecision, number> {
  return { 'local-hit': 0, 'content-miss': 0, 'health-miss': 0, fallback: 0, none: 0 };
}
