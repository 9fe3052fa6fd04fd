// Control's steering decision counters, read from its Prometheus text before and after the
// timed Ferry runs; the difference is what the measured requests were answered with. Its
// event-loop lag gauges come from the same scrape: prom-client resets the lag histogram on
// every scrape, so the value read after a run covers that run.

export const DECISIONS = ['local-hit', 'content-miss', 'health-miss', 'fallback', 'none'] as const;
export type Decision = (typeof DECISIONS)[number];
export type DecisionCounts = Record<Decision, number>;

const METRIC = 'ferry_control_steering_decisions_total';

export function parseDecisions(text: string): DecisionCounts {
  const counts = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as DecisionCounts;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${METRIC}{`)) continue;
    const m = line.match(/decision="([^"]*)"\}\s+(\S+)/);
    if (!m) continue;
    const d = m[1] as Decision;
    const v = Number(m[2]);
    if (DECISIONS.includes(d) && Number.isFinite(v)) counts[d] = v;
  }
  return counts;
}

/** An unlabelled gauge (prom-client's event-loop lag, say) in ms; null when absent. */
export function gaugeMs(text: string, name: string): number | null {
  const m = text.match(new RegExp(`^${name}\\s+(\\S+)$`, 'm'));
  const v = m ? Number(m[1]) : Number.NaN;
  return Number.isFinite(v) ? v * 1000 : null;
}

export function diffDecisions(before: DecisionCounts, after: DecisionCounts): DecisionCounts {
  return Object.fromEntries(DECISIONS.map((d) => [d, after[d] - before[d]])) as DecisionCounts;
}
