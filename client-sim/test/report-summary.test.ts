// The `ferry sim` stdout summary: its CTA-2066 lines, overall and per network profile.
import { describe, expect, it } from 'vitest';
import { fleetTotals, qoeLine, renderSummary } from '../src/fleet/summary.js';
import { summarize } from '../src/report/aggregate.js';
import { aggregateQoe } from '../src/report/qoe-metrics.js';
import { qoe } from './support-qoe.js';

const net = (profile: string) => ({ profile, downBps: 5e6, rttMs: 30 });

describe('sim summary', () => {
  const sessions = [
    qoe({
      id: 'a',
      network: net('dsl'),
      startupMs: 1500,
      playedSec: 90,
      avgBitrate: 2_500_000,
      switches: 1,
      stalls: [{ startMs: 30_000, endMs: 40_000 }],
      durationMs: 100_000,
      failedFetches: 2,
      retries: 2,
      failoverMarks: [{ atMs: 1, from: 'x', to: undefined, reason: 'error', detail: '' }],
    }),
    qoe({
      id: 'b',
      network: net('fibre'),
      startupMs: 300,
      playedSec: 100,
      avgBitrate: 12_000_000,
      switches: 0,
    }),
    qoe({ id: 'c', network: net('dsl'), started: false, startupMs: undefined, endReason: 'abandoned' }),
  ];

  it('prints an overall CTA-2066 line, one per network profile, and the fetch counts', () => {
    const text = renderSummary(summarize(sessions), {
      ...fleetTotals(sessions),
      durationSec: 100,
      sourceAddresses: 0,
    });
    const line = (key: string) =>
      text
        .split('\n')
        .find((l) => l.startsWith(key))
        ?.slice(key.length)
        .trim();
    // dsl: 2 attempts, one exit before start; 10 s stalled of 90 + 10 s; 1 in 90 s = 40/h; 1 switch = 40/h.
    expect(line('  on dsl')).toBe(
      '2 attempts, VSF 0 %, EBVS 50 %, VST p50 1.5 s / p95 1.5 s, rebuffering 10 % (1, 40.0/h), bitrate 2.5 Mb/s, switches 40.0/h',
    );
    expect(line('  on fibre')).toMatch(/^1 attempts, VSF 0 %, EBVS 0 %, VST p50 300 ms .* bitrate 12 Mb\/s/);
    expect(line('QoE (CTA-2066)')).toMatch(/^3 attempts, VSF 0 %, EBVS 33\.3 %/);
    expect(line('failed fetches')).toBe('2 (retries 2, re-steers 1)');
    expect(text).not.toMatch(/NaN|undefined/);
  });

  it('prints bytes in SI units, the simulator load, and a warning when the simulator was the bottleneck', () => {
    const extras = { ...fleetTotals(sessions), durationSec: 100, sourceAddresses: 0 };
    const load = {
      loopDelayP50Ms: 1,
      loopDelayP99Ms: 20,
      loopDelayMaxMs: 60,
      cpuPercent: 40,
      cpuMachinePercent: 20,
      cores: 2,
    };
    const calm = renderSummary(summarize(sessions), { ...extras, selfLoad: load });
    expect(calm).toMatch(/^bytes\s+\d+(\.\d+)? (B|kB|MB|GB)$/m);
    expect(calm).toMatch(
      /^simulator load\s+CPU 40 % of a core \(20 % of 2 cores\), event-loop delay p50 1\.0 \/ p99 20\.0 \/ max 60 ms$/m,
    );
    expect(calm).not.toContain('warning');
    const late = renderSummary(summarize(sessions), {
      ...extras,
      selfLoad: { ...load, loopDelayP99Ms: 250 },
    });
    expect(late.trimEnd().split('\n').at(-1)).toMatch(
      /^warning: the simulator itself was the bottleneck \(event-loop delay p99 250 ms is above 100 ms/,
    );
  });

  it('says so when nothing played', () => {
    expect(qoeLine(aggregateQoe([]))).toBe('0 attempts, VSF 0 %, EBVS 0 %, none played');
  });
});
