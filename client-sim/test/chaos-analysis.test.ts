// What an experiment did, from hand-built QoE tables. Every time below is written as ms of
// wall-clock after T0 and converted to each session's own clock (sessions start at
// different times), so the tables also check that experiment and session times align.
import { describe, expect, it } from 'vitest';
import type { DownloadSample, SessionQoe } from '../src/player/qoe.js';
import { analyzeExperiment } from '../src/report/chaos-analysis.js';
import { experimentsDuring, experimentWindow } from '../src/report/chaos-window.js';
import { download, experiment, qoe } from './support-qoe.js';

const T0 = 5_000_000;
const MB = 1e6;

interface Wall {
  downloads?: [number, string, number, number?][];
  stalls?: [number, number][];
  failovers?: [number, string, string][];
  errors?: number[];
  durationMs?: number;
}

/** A session started at T0 + startMs; every time in `w` is wall-clock ms after T0. */
function viewer(id: string, startMs: number, w: Wall): SessionQoe {
  const rel = (t: number) => t - startMs;
  return qoe({
    id,
    startedAt: T0 + startMs,
    durationMs: w.durationMs ?? 40_000 - startMs,
    downloads: (w.downloads ?? []).map(
      ([t, a, bitrate, took]): DownloadSample => download(rel(t), a, bitrate, took),
    ),
    stalls: (w.stalls ?? []).map(([from, to]) => ({ startMs: rel(from), endMs: rel(to) })),
    failoverMarks: (w.failovers ?? []).map(([t, from, to]) => ({
      atMs: rel(t),
      from,
      to,
      reason: 'error' as const,
      detail: 'refused',
    })),
    errors: (w.errors ?? []).map((t) => ({
      atMs: rel(t),
      code: 'FERRY_ERR_SIM_SEGMENT' as const,
      message: 'm',
    })),
  });
}

const every2s = (from: number, to: number, appliance: string, bitrate: number, took?: number) =>
  Array.from({ length: Math.floor((to - from) / 2000) + 1 }, (_, i): [number, string, number, number?] => [
    from + i * 2000,
    appliance,
    bitrate,
    took,
  ]);

// A kill of v from +10 s to +20 s.
const kill = experiment({
  id: 'k1',
  kind: 'kill',
  appliances: ['v'],
  startedAtMs: T0 + 10_000,
  endedAtMs: T0 + 20_000,
  applied: { v: { sinceMs: T0 + 10_400 } },
});

const killViewers = [
  // On v, fails over to w at +11 s (and loses a segment), first segment from w at +11.5 s,
  // stalls from +12 s to +13 s, then plays on from w at half the bitrate.
  viewer('a', 0, {
    downloads: [...every2s(2000, 8000, 'v', 4 * MB), ...every2s(11_500, 39_500, 'w', 2 * MB)],
    failovers: [[11_000, 'v', 'w']],
    errors: [11_200],
    stalls: [[12_000, 13_000]],
  }),
  // On w all along: not affected, but its stall at +15 s is in the window.
  viewer('b', 0, { downloads: every2s(1000, 39_000, 'w', 4 * MB), stalls: [[15_000, 15_500]] }),
  // Started 4 s after a and b: on v, fails over at +12 s, from w at 1 Mb/s from +12.4 s.
  viewer('c', 4000, {
    downloads: [...every2s(5000, 9000, 'v', 4 * MB), ...every2s(12_400, 38_400, 'w', 1 * MB)],
    failovers: [[12_000, 'v', 'w']],
  }),
  // Fetched from v but ended before the kill: not a viewer of it.
  viewer('d', 0, { downloads: every2s(1000, 7000, 'v', 4 * MB), durationMs: 8000 }),
  // Started after the kill ended.
  viewer('e', 25_000, { downloads: every2s(26_000, 38_000, 'v', 4 * MB) }),
];

describe('chaos experiment analysis', () => {
  it('counts the viewers of a kill, their stalls, failovers and failed segments in the window', () => {
    const r = analyzeExperiment(killViewers, kill, { settleMs: 5000, healthChangeAtMs: T0 + 11_000 });
    expect(r).toMatchObject({
      id: 'k1',
      kind: 'kill',
      targets: ['v'],
      startMs: T0 + 10_000,
      endMs: T0 + 20_000,
      viewers: 3,
      affected: 2,
      affectedAtStart: 2,
      stalls: { count: 2, ms: 1500, sessions: 2 },
      affectedStalls: { count: 1, ms: 1000, sessions: 1 },
      failovers: 2,
      failoversFromTargets: 2,
      failedSegments: 1,
      errors: 1,
      detectionMs: 1000,
      appliedAfterMs: 400,
    });
  });

  it('measures the bitrate drop against the same length before the window', () => {
    const b = analyzeExperiment(killViewers, kill).bitrate!;
    // a: 4 → 2 Mb/s, c: 4 → 1 Mb/s.
    expect(b.sessions).toBe(2);
    expect(b.beforeMbps).toBeCloseTo(4);
    expect(b.duringMbps).toBeCloseTo(1.5);
    expect(b.dropMbps).toBeCloseTo(2.5);
    expect(b.dropPercent).toBeCloseTo(62.5);
  });

  it('times the move elsewhere and the recovery after the last disturbance', () => {
    const r = analyzeExperiment(killViewers, kill);
    expect(r.moved).toMatchObject({ count: 2, min: 1500, max: 2400 });
    expect(r.allMovedMs).toBe(2400);
    // a's last disturbance is its stall ending at +13 s; its next segment, from w, at +13.5 s.
    expect(r.recovered).toBe(2);
    expect(r.recoveryMs).toBe(3500);
  });

  it('leaves affected viewers that asked for nothing after the start out of move and recovery', () => {
    // f was on v just before the kill and then left (its title ended): nothing to move.
    const f = viewer('f', 0, { downloads: every2s(2000, 9000, 'v', 4 * MB), durationMs: 14_000 });
    const r = analyzeExperiment([...killViewers, f], kill);
    expect(r.affected).toBe(3);
    expect(r.idle).toBe(1);
    expect(r.allMovedMs).toBe(2400);
    expect(r.recoveryMs).toBe(3500);
  });

  it('a throttle: viewers stay on the target and recover when it is back at their pace', () => {
    const throttle = experiment({
      id: 't1',
      kind: 'throttle',
      appliances: ['v'],
      params: { bytesPerSec: 100_000 },
      startedAtMs: T0 + 10_000,
      endedAtMs: T0 + 20_000,
    });
    // 1 MB segments in 500 ms before (16 Mb/s), in 4 s during; fast again from +22 s.
    const slowThenFast = (id: string, fastFrom: number) =>
      viewer(id, 0, {
        downloads: [
          ...every2s(2000, 8000, 'v', 4 * MB, 500),
          ...every2s(10_000, fastFrom - 2000, 'v', 2 * MB, 4000),
          ...every2s(fastFrom, 38_000, 'v', 4 * MB, 500),
        ],
      });
    const r = analyzeExperiment([slowThenFast('x', 22_000), slowThenFast('y', 24_000)], throttle);
    expect(r.affected).toBe(2);
    expect(r.moved.count).toBe(0);
    expect(r.allMovedMs).toBeNull();
    expect(r.recoveryMs).toBe(14_000);
    expect(r.bitrate?.dropPercent).toBeCloseTo(50);

    // One viewer still slow at the end of the settle time has not recovered.
    const slow = viewer('z', 0, {
      downloads: [...every2s(2000, 8000, 'v', 4 * MB, 500), ...every2s(10_000, 38_000, 'v', 2 * MB, 4000)],
    });
    const r2 = analyzeExperiment([slowThenFast('x', 22_000), slow], throttle);
    expect(r2.recovered).toBe(1);
    expect(r2.recoveryMs).toBeNull();
  });

  it('clips a running experiment to the end of the records and picks those a run overlapped', () => {
    const running = experiment({
      id: 'r1',
      state: 'running',
      startedAtMs: T0 + 30_000,
      endsAtMs: T0 + 90_000,
    });
    expect(experimentWindow(running)).toEqual({ startMs: T0 + 30_000, endMs: T0 + 90_000 });
    expect(analyzeExperiment(killViewers, running).endMs).toBe(T0 + 40_000);

    const before = experiment({ id: 'old', startedAtMs: T0 - 60_000, endedAtMs: T0 - 50_000 });
    const refusedDuring = experiment({
      id: 'no',
      state: 'refused',
      startAtMs: T0 + 60_000,
      endsAtMs: T0 + 70_000,
      endedAtMs: T0 + 1000,
      refusal: { rule: 'one-at-a-time', message: 'another experiment is running' },
    });
    const seen = experimentsDuring([running, before, kill, refusedDuring], T0, T0 + 40_000);
    expect(seen.map((e) => e.id)).toEqual(['k1', 'r1', 'no']);
  });
});
