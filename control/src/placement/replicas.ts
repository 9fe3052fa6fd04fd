// How many appliances of a site should hold one file: in proportion to its popularity there,
// the most popular file on every appliance, every other file on at least one. With hysteresis:
// a file keeps the count it has until its popularity moves well past the rounding boundary,
// so two files trading places by a few bytes a second never make appliances fetch and evict
// the same file back and forth.

export interface ReplicaRule {
  /** appliances in the site */
  readonly appliances: number;
  /** popularity of the site's most popular file (0: nothing known, every file gets one copy) */
  readonly top: number;
  /**
   * how far past the rounding boundary the ideal count must move before the held count
   * changes, in replicas (0: plain rounding)
   */
  readonly hysteresis: number;
}

/** The unrounded count: appliances × popularity / top popularity, within [1, appliances]. */
export function idealReplicas(popularity: number, rule: ReplicaRule): number {
  const n = rule.appliances;
  if (n <= 0) return 0;
  if (!(rule.top > 0)) return 1;
  return clamp((n * popularity) / rule.top, 1, n);
}

/** The count to place, given the count placed before (undefined for a file new to the site). */
export function replicaCount(popularity: number, rule: ReplicaRule, previous: number | undefined): number {
  const n = rule.appliances;
  if (n <= 0) return 0;
  const ideal = idealReplicas(popularity, rule);
  if (previous !== undefined) {
    const held = clamp(previous, 1, n);
    if (Math.abs(ideal - held) < 0.5 + rule.hysteresis) return held;
  }
  return clamp(Math.round(ideal), 1, n);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
