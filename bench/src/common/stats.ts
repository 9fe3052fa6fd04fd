// Summaries over rounds: medians (robust to one noisy round) and ratios against the anchor.

export function median(values: readonly number[]): number | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Ferry ÷ anchor; null when either side is missing or the anchor is zero. */
export function ratio(ferry: number | null, anchor: number | null): number | null {
  if (ferry === null || anchor === null || anchor === 0) return null;
  return ferry / anchor;
}
