// Human units for every report Ferry writes (ferry sim, ferry demo, the benchmarks): bytes in
// SI units (1 kB = 1000 B, as a link's bits are counted; not KiB), bit rates in kb/s, Mb/s,
// Gb/s, durations in ms, s or min, shares in %, counts with thousands separators, elapsed
// times as m:ss and clock times in UTC; and "nice" tick values (1, 2, 5 × 10ⁿ) for an axis.
// Bytes and rates keep three significant figures, trailing zeros dropped: "1.23 GB",
// "12.3 MB", "4.5 Mb/s", "2 Mb/s" (so round tick values read round).

const NONE = '—';

/** `v` to three significant figures, trailing zeros (and a bare point) dropped: 1.23, 12.3, 123, 2. */
export function sig3(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  let s = v.toFixed(digits);
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  return s;
}

/** Scales `v` by 1000 through `units` so that the number stays below 1000 after rounding. */
function si(v: number, units: readonly string[]): string {
  let x = v;
  let i = 0;
  // 999.7 rounds to "1000": carry it into the next unit instead.
  while (i < units.length - 1 && Math.abs(Number(sig3(x))) >= 1000) {
    x /= 1000;
    i++;
  }
  return `${sig3(x)} ${units[i]}`;
}

/** Bytes as "512 B", "12.3 kB", "1.2 MB", "4.56 GB", "1.5 TB" (SI: 1 kB = 1000 B). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return NONE;
  if (Math.abs(bytes) < 999.5) return `${Math.round(bytes)} B`;
  return si(bytes, ['B', 'kB', 'MB', 'GB', 'TB', 'PB']);
}

/** Bits per second as "750 kb/s", "4.5 Mb/s", "1.25 Gb/s". */
export function formatBps(bps: number): string {
  if (!Number.isFinite(bps)) return NONE;
  if (Math.abs(bps) < 999.5) return `${Math.round(bps)} b/s`;
  return si(bps, ['b/s', 'kb/s', 'Mb/s', 'Gb/s', 'Tb/s']);
}

/** Bytes per second, shown as the bit rate an ISP engineer reads on a link: 125 MB/s → "1 Gb/s". */
export function formatByteRate(bytesPerSec: number): string {
  return formatBps(bytesPerSec * 8);
}

/** A count with thousands separators: 1234567 → "1,234,567"; fractions keep one decimal. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return NONE;
  const r = Number.isInteger(n) ? n : Math.round(n * 10) / 10;
  return r.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** "850 ms", "1.2 s", "2 min". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return NONE;
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 120_000) return `${trim(ms / 1000)} s`;
  return `${trim(ms / 60_000)} min`;
}

/** A share (0..1) as "12.5 %"; small shares keep two decimals so they do not read as 0. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return NONE;
  const p = share * 100;
  return `${p !== 0 && Math.abs(p) < 1 ? p.toFixed(2) : trim(p)} %`;
}

/** Elapsed time as a clock face: 0 → "0:00", 95 s → "1:35", 3723 s → "1:02:03". */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms)) return NONE;
  const sign = ms < 0 ? '-' : '';
  const total = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${s}` : `${sign}${m}:${s}`;
}

/** The UTC time of day of a unix ms time: "14:05:30". */
export function formatClock(unixMs: number): string {
  if (!Number.isFinite(unixMs)) return NONE;
  return new Date(unixMs).toISOString().slice(11, 19);
}

/** A unix ms time as "2025-01-31 14:05:30 UTC". */
export function formatDateTime(unixMs: number): string {
  if (!Number.isFinite(unixMs)) return NONE;
  return `${new Date(unixMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
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
