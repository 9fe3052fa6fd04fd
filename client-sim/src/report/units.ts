// Human units for the report's axes, tables and summaries: durations in ms or s, shares in
// %, bitrates in kb/s or Mb/s, and "nice" tick values (1, 2, 5 × 10ⁿ) for an axis.

/** "850 ms", "1.2 s", "2 min". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 120_000) return `${trim(ms / 1000)} s`;
  return `${trim(ms / 60_000)} min`;
}

/** A share (0..1) as "12.5 %"; small shares keep two decimals so they do not read as 0. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '—';
  const p = share * 100;
  return `${p !== 0 && Math.abs(p) < 1 ? p.toFixed(2) : trim(p)} %`;
}

/** Bits per second as "750 kb/s", "4.5 Mb/s", "1.2 Gb/s". */
export function formatBps(bps: number): string {
  if (!Number.isFinite(bps)) return '—';
  const a = Math.abs(bps);
  if (a >= 1e9) return `${trim(bps / 1e9)} Gb/s`;
  if (a >= 1e6) return `${trim(bps / 1e6)} Mb/s`;
  if (a >= 1e3) return `${trim(bps / 1e3)} kb/s`;
  return `${Math.round(bps)} b/s`;
}

/** At most one decimal, none when whole: 1, 1.5, 12.3. */
function trim(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** Tick values from 0 to at least `max`, 1/2/5 × 10ⁿ apart, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const n = Math.ceil(max / step - 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}
