// The table `ferry bench chaos` prints (pure): one row per experiment run through control,
// and the anchor row, the same kill done from outside (kill -9 by the harness, as
// `ferry bench failover` does), with the chaos kill's cost to viewers as a ratio of it.
import type { ExperimentAnalysis } from '@ferry/client-sim';
import { formatRatio, formatValue, type Table } from '../common/format.js';

export interface ChaosRow {
  label: string;
  analysis: ExperimentAnalysis;
  /** ms from the experiment's start until the target process was gone (kills only) */
  exitAfterMs?: number | null;
}

const ms = (v: number | null | undefined) => formatValue(v, 'ms');

export function chaosTable(rows: readonly ChaosRow[]): Table {
  return {
    headers: [
      'experiment',
      'applied after',
      'detected after',
      'viewers affected',
      'all fetching elsewhere',
      'recovered after',
      'stalls',
      'failed fetches',
      'bitrate lost',
    ],
    numeric: [1, 2, 3, 4, 5, 6, 7, 8],
    rows: rows.map(({ label, analysis: a, exitAfterMs }) => [
      label,
      ms(exitAfterMs ?? a.appliedAfterMs),
      ms(a.detectionMs),
      String(a.affected),
      ms(a.allMovedMs),
      ms(a.recoveryMs),
      String(a.stalls.count),
      String(a.failovers),
      a.bitrate ? `${(a.bitrate.dropMbps).toFixed(2)} Mb/s (${a.bitrate.dropPercent.toFixed(0)} %)` : 'n/a',
    ]),
  };
}

/** The chaos kill against the outside kill: each figure's ratio (≤ 1.00x: no worse). */
export function killComparison(
  chaos: ExperimentAnalysis,
  outside: ExperimentAnalysis,
  /** ms from the chaos kill's start until its process was gone: the order's way there */
  chaosExitAfterMs: number | null = null,
): Table {
  const sinceExit = (v: number | null) =>
    v === null || chaosExitAfterMs === null ? null : v - chaosExitAfterMs;
  const row = (name: string, c: number | null, o: number | null, unit: 'ms' | 'count') => {
    const fmt = (v: number | null) => (unit === 'ms' ? ms(v) : v === null ? 'n/a' : String(v));
    const ratio = c === null || o === null ? null : o === 0 ? (c === 0 ? 1 : null) : c / o;
    return [name, fmt(c), fmt(o), o === 0 && c !== null && c > 0 ? `+${c}` : formatRatio(ratio)];
  };
  return {
    headers: ['kill', 'through control', 'from outside (anchor)', 'ratio'],
    numeric: [1, 2, 3],
    rows: [
      row('detected after', chaos.detectionMs, outside.detectionMs, 'ms'),
      row('  counted from the exit', sinceExit(chaos.detectionMs), outside.detectionMs, 'ms'),
      row('all fetching elsewhere', chaos.allMovedMs, outside.allMovedMs, 'ms'),
      row('  counted from the exit', sinceExit(chaos.allMovedMs), outside.allMovedMs, 'ms'),
      row('recovered after', chaos.recoveryMs, outside.recoveryMs, 'ms'),
      row('stalls', chaos.stalls.count, outside.stalls.count, 'count'),
      row('failed fetches', chaos.failovers, outside.failovers, 'count'),
      row('viewers affected', chaos.affected, outside.affected, 'count'),
    ],
  };
}
