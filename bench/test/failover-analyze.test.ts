// The failover analysis on hand-made QoE records: who was affected, when they moved, which
// stalls count, and the buffer estimate at the kill.
import type { SessionQoe } from '@ferry/client-sim';
import { describe, expect, it } from 'vitest';
import { analyzeFailover, bufferedAt } from '../src/failover/analyze.js';

const T0 = 1_000_000;

function session(id: string, downloads: [number, string][], extra: Partial<SessionQoe> = {}): SessionQoe {
  return {
    id,
    titleId: 't1',
    startedAt: T0,
    durationMs: 30_000,
    started: true,
    startupMs: 1000,
    stallCount: 0,
    stallMs: 0,
    playedSec: 29,
    avgBitrate: 1e6,
    switches: 0,
    failovers: 0,
    steers: 1,
    segments: downloads.length,
    bytes: 0,
    bytesByAppliance: {},
    rules: { throughput: 0, bola: 0 },
    errors: [],
    stalls: [],
    downloads: downloads.map(([atMs, applianceId], segment) => ({
      atMs,
      applianceId,
      bytes: 1,
      durationMs: 10,
      bitrate: 1e6,
      segment,
    })),
    failoverMarks: [],
    failedFetches: 0,
    retries: 0,
    skips: 0,
    ...extra,
  } as SessionQoe;
}

describe('failover analysis', () => {
  it('estimates the buffer from downloads and playback', () => {
    // 6 segments of 4 s fetched by 2 s; playing since 1 s; at 5 s: 24 s fetched - 4 s played.
    const q = session(
      'a',
      [0, 200, 400, 600, 800, 2000].map((t) => [t, 'x'] as [number, string]),
    );
    expect(bufferedAt(q, T0 + 5000, 4)).toBe(20);
    expect(bufferedAt(q, T0 + 500, 4)).toBe(0);
  });

  it('finds affected sessions, their move time, and stalls after the kill', () => {
    const kill = T0 + 10_000;
    const a = session('a', [
      [1000, 'v'],
      [9000, 'v'],
      [12_500, 'w'],
    ]);
    const b = session(
      'b',
      [
        [1000, 'w'],
        [11_000, 'w'],
      ],
      { stalls: [{ startMs: 15_000, endMs: 16_000 }] },
    );
    const c = session(
      'c',
      [
        [1000, 'v'],
        [14_000, 'w'],
      ],
      { failoverMarks: [{ atMs: 13_000, from: 'v', to: 'w', reason: 'error', detail: 'refused' }] },
    );
    // d last fetched from v and then asked for nothing more (its title ended): idle, not stuck.
    const d = session('d', [[8000, 'v']]);
    const r = analyzeFailover([a, b, c, d], {
      victim: 'v',
      killAtMs: kill,
      segmentSec: () => 4,
      bufferSec: 10,
    });
    expect(r.affected).toBe(3);
    expect(r.affectedIdle).toBe(1);
    expect(r.movedMs.sort((x, y) => x - y)).toEqual([2500, 4000]);
    expect(r.allMovedMs).toBe(4000);
    expect(r.stallsAfterKill).toBe(1);
    expect(r.failedFetches).toBe(1);
    expect(r.sessionsWithErrors).toBe(0);
    // c's one failed attempt, over a, c and d.
    expect(r.affectedFailedFetches).toBe(1);
    expect(r.failedFetchesPerAffected).toBeCloseTo(1 / 3, 10);
    expect(r.retriesAfterKill).toBe(1);
    expect(r.resteersAfterKill).toBe(0);
  });

  it('counts failed fetches per affected viewer, retries and re-steers after the kill only', () => {
    const kill = T0 + 10_000;
    const mark = (atMs: number, to: string | undefined) => ({
      atMs,
      from: 'v',
      to,
      reason: 'error' as const,
      detail: 'refused',
    });
    // Affected: a failure before the kill (not counted), then rank 1 (v) fails, rank 2 (v again,
    // the other URL of the same appliance) fails and the list runs out: a re-steer; then it
    // plays from w.
    const a = session(
      'a',
      [
        [1000, 'v'],
        [9000, 'v'],
        [12_000, 'w'],
      ],
      {
        failoverMarks: [mark(5000, 'v'), mark(10_500, 'v'), mark(10_800, undefined)],
        retries: 3,
      },
    );
    // Affected: one failed attempt, then w; another at the very end it never went on from.
    const b = session(
      'b',
      [
        [2000, 'v'],
        [11_000, 'w'],
      ],
      { failoverMarks: [mark(10_200, 'w'), mark(29_000, 'w')], retries: 1 },
    );
    // Not affected (fetching from w at the kill) but it tried v once later.
    const c = session(
      'c',
      [
        [2000, 'w'],
        [14_000, 'w'],
      ],
      { failoverMarks: [mark(13_000, 'w')] },
    );
    // Not affected and untouched.
    const d = session('d', [[2000, 'w']]);
    const r = analyzeFailover([a, b, c, d], {
      victim: 'v',
      killAtMs: kill,
      segmentSec: () => 4,
      bufferSec: 10,
    });
    expect(r.affected).toBe(2);
    // a: 2 after the kill; b: 2; over 2 affected viewers.
    expect(r.affectedFailedFetches).toBe(4);
    expect(r.failedFetchesPerAffected).toBe(2);
    expect(r.failedFetches).toBe(5);
    // Every failed attempt after the kill was followed by another, except b's last.
    expect(r.retriesAfterKill).toBe(4);
    expect(r.resteersAfterKill).toBe(1);
    expect(r.retriesRecorded).toBe(4);
  });

  it('has no per-viewer figure when nobody was affected', () => {
    const r = analyzeFailover([session('a', [[1000, 'w']])], {
      victim: 'v',
      killAtMs: T0 + 5000,
      segmentSec: () => 4,
      bufferSec: 10,
    });
    expect(r.affected).toBe(0);
    expect(r.failedFetchesPerAffected).toBeNull();
  });

  it('reports no move time while an affected session never fetched elsewhere', () => {
    const r = analyzeFailover([session('a', [[1000, 'v']])], {
      victim: 'v',
      killAtMs: T0 + 5000,
      segmentSec: () => 4,
      bufferSec: 10,
    });
    expect(r.affected).toBe(1);
    expect(r.allMovedMs).toBeNull();
  });
});
