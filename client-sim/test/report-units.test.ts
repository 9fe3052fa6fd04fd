// The one formatter every report prints with: tables of values and what each reads as, the
// time axis' ticks, and the simulator-bottleneck warning's thresholds.
import { describe, expect, it } from 'vitest';
import { selfLoadWarning, selfLoadWarnings } from '../src/fleet/self-load.js';
import { timeAxisSvg, timeStepSec, timeTicksMs } from '../src/report/axes.js';
import {
  formatBps,
  formatByteRate,
  formatBytes,
  formatClock,
  formatCount,
  formatDateTime,
  formatElapsed,
  formatMs,
  formatPercent,
  niceTicks,
  sig3,
} from '../src/report/units.js';

describe('units', () => {
  it('prints bytes in SI units to three significant figures', () => {
    const table: [number, string][] = [
      [0, '0 B'],
      [999, '999 B'],
      [999.6, '1 kB'],
      [1000, '1 kB'],
      [1234, '1.23 kB'],
      [12_345, '12.3 kB'],
      [123_456, '123 kB'],
      [999_700, '1 MB'],
      [1_500_000, '1.5 MB'],
      [4_560_000_000, '4.56 GB'],
      [2 * 1024 ** 3, '2.15 GB'],
      [1.5e12, '1.5 TB'],
      [Number.NaN, '—'],
    ];
    for (const [v, text] of table) expect(formatBytes(v), String(v)).toBe(text);
  });

  it('prints bit rates as b/s, kb/s, Mb/s, Gb/s, and byte rates as the bit rate', () => {
    const table: [number, string][] = [
      [0, '0 b/s'],
      [750, '750 b/s'],
      [750_000, '750 kb/s'],
      [2_000_000, '2 Mb/s'],
      [4_500_000, '4.5 Mb/s'],
      [12_345_678, '12.3 Mb/s'],
      [1_250_000_000, '1.25 Gb/s'],
      [10e9, '10 Gb/s'],
      [Number.POSITIVE_INFINITY, '—'],
    ];
    for (const [v, text] of table) expect(formatBps(v), String(v)).toBe(text);
    expect(formatByteRate(125_000_000)).toBe('1 Gb/s');
    expect(formatByteRate(396 * 1024 ** 2)).toBe('3.32 Gb/s');
  });

  it('prints durations in ms, s and min, shares in %, counts with thousands separators', () => {
    expect([850, 1200, 59_000, 150_000].map(formatMs)).toEqual(['850 ms', '1.2 s', '59 s', '2.5 min']);
    expect([0, 0.005, 0.125, 1].map(formatPercent)).toEqual(['0 %', '0.50 %', '12.5 %', '100 %']);
    expect([0, 999, 1000, 1_234_567, 12.345].map(formatCount)).toEqual([
      '0',
      '999',
      '1,000',
      '1,234,567',
      '12.3',
    ]);
    expect([0, 1, 1.234, 12.34, 123.4, 999.9].map(sig3)).toEqual(['0', '1', '1.23', '12.3', '123', '1000']);
  });

  it('prints elapsed times as m:ss and clock times in UTC', () => {
    expect([0, 5000, 95_000, 600_000, 3_723_000].map(formatElapsed)).toEqual([
      '0:00',
      '0:05',
      '1:35',
      '10:00',
      '1:02:03',
    ]);
    const t = Date.UTC(2025, 0, 31, 14, 5, 30);
    expect(formatClock(t)).toBe('14:05:30');
    expect(formatDateTime(t)).toBe('2025-01-31 14:05:30 UTC');
  });

  it('puts value ticks at round values and time ticks at round intervals', () => {
    expect(niceTicks(8.7e6, 4)).toEqual([0, 2.5e6, 5e6, 7.5e6, 1e7]);
    expect(niceTicks(3, 3)).toEqual([0, 1, 2, 3]);
    expect([10, 45, 90, 600, 3600].map((s) => timeStepSec(s, 8))).toEqual([2, 10, 15, 120, 600]);
    expect(timeTicksMs(90_000, 8)).toEqual([0, 15_000, 30_000, 45_000, 60_000, 75_000, 90_000]);
    const svg = timeAxisSvg({
      xAt: (ms) => ms / 100,
      totalMs: 90_000,
      y: 100,
      startedAtMs: Date.UTC(2025, 0, 31, 14, 0, 50),
    }).join('\n');
    const labels = (cls: string) =>
      [...svg.matchAll(new RegExp(`class="tick ${cls}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);
    expect(labels('time-tick')).toEqual(['0:00', '0:15', '0:30', '0:45', '1:00', '1:15', '1:30']);
    expect(labels('clock-tick').slice(0, 3)).toEqual(['14:00:50', '14:01:05', '14:01:20']);
  });
});

describe('simulator bottleneck warning', () => {
  const calm = { loopDelayP50Ms: 0.2, loopDelayP99Ms: 12, loopDelayMaxMs: 40, cpuPercent: 35 };

  it('stays quiet when the simulator kept up', () => {
    expect(selfLoadWarnings(calm)).toEqual([]);
    expect(selfLoadWarning(calm)).toBeUndefined();
    // Two threads may use two cores between them.
    expect(selfLoadWarning({ ...calm, cpuPercent: 170, threads: 2, cpuMachinePercent: 42 })).toBeUndefined();
  });

  it('warns on a late event loop, a saturated core or a saturated machine', () => {
    expect(selfLoadWarning({ ...calm, loopDelayP99Ms: 180 })).toMatch(
      /^warning: the simulator itself was the bottleneck \(event-loop delay p99 180 ms is above 100 ms.*measure the simulator, not the appliances/,
    );
    expect(selfLoadWarnings({ ...calm, cpuPercent: 97 })).toEqual([
      'CPU 97 % of a core per thread is above 90 %: the simulator was CPU-bound',
    ]);
    expect(selfLoadWarnings({ ...calm, cpuPercent: 380, threads: 8, cpuMachinePercent: 95 })).toEqual([
      'CPU 95 % of the machine is above 90 %: the simulator was CPU-bound',
    ]);
  });
});
