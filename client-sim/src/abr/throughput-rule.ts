// Rate-based choice: the highest rung whose bitrate fits under a safety factor of the
// estimated throughput (dash.js ThroughputRule, bandwidthSafetyFactor 0.9). With no
// estimate yet the player starts at the lowest rung, as dash.js does without an initial
// bitrate setting.

export const DEFAULT_SAFETY_FACTOR = 0.9;

/** `bitrates` ascending. Returns the index of the rung to fetch. */
export function throughputIndex(
  bitrates: readonly number[],
  throughputBps: number | undefined,
  safetyFactor = DEFAULT_SAFETY_FACTOR,
): number {
  if (throughputBps === undefined || bitrates.length === 0) return 0;
  const budget = throughputBps * safetyFactor;
  let index = 0;
  for (let i = 0; i < bitrates.length; i++) if (bitrates[i]! <= budget) index = i;
  return index;
}
