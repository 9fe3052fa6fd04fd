// CTA-2066 / Conviva QoE metrics on hand-built records whose answers are worked out here.
import { describe, expect, it } from 'vitest';
import type { NetworkInfo } from '../src/player/qoe.js';
import { aggregateQoe, qoeReport, sessionMetrics, startOutcome } from '../src/report/qoe-metrics.js';
import { qoe } from './support-qoe.js';

const net = (profile: string): NetworkInfo => ({ profile, downBps: 10e6, rttMs: 20 });

describe('start outcomes', () => {
  it('tells a video start failure from an exit before video start and from a run cut short', () => {
    expect(startOutcome(qoe({}))).toBe('played');
    expect(startOutcome(qoe({ started: false, startupMs: undefined, endReason: 'start-failed' }))).toBe(
      'vsf',
    );
    expect(startOutcome(qoe({ started: false, startupMs: undefined, endReason: 'abandoned' }))).toBe('ebvs');
    expect(startOutcome(qoe({ started: false, startupMs: undefined, endReason: 'watched' }))).toBe('ebvs');
    expect(startOutcome(qoe({ started: false, startupMs: undefined, endReason: 'stopped' }))).toBe('cut');
    // Records from before end reasons: an error before the first frame is a failure.
    const legacy = qoe({
      started: false,
      startupMs: undefined,
      errors: [{ atMs: 5, code: 'FERRY_ERR_SIM_STEER', message: 'refused' }],
    });
    expect(startOutcome(legacy)).toBe('vsf');
    expect(startOutcome(qoe({ started: false, startupMs: undefined }))).toBe('cut');
  });
});

describe('per-session metrics', () => {
  it('counts rebuffering, ratio and frequency, and leaves seek waiting out', () => {
    // 90 s played; stalls of 2 s at 10 s and 3 s at 60 s; a seek at 40 s and 1 s of waiting after it.
    const m = sessionMetrics(
      qoe({
        playedSec: 90,
        durationMs: 100_000,
        stalls: [
          { startMs: 10_000, endMs: 12_000 },
          { startMs: 60_000, endMs: 63_000 },
        ],
        seeks: [{ atMs: 40_000, fromSec: 30, toSec: 300 }],
        seekWaits: [{ startMs: 40_000, endMs: 41_000 }],
        switches: 3,
        avgBitrate: 4_000_000,
      }),
    );
    expect(m.rebufferingCount).toBe(2);
    expect(m.rebufferingMs).toBe(5000);
    expect(m.seekWaitMs).toBe(1000);
    // 5 s / (90 s + 5 s)
    expect(m.rebufferingRatio).toBeCloseTo(5 / 95, 10);
    // 2 events in 90 s = 80 an hour; 3 switches in 90 s = 120 an hour.
    expect(m.rebufferingPerHour).toBeCloseTo(80, 10);
    expect(m.switchesPerHour).toBeCloseTo(120, 10);
    expect(m.avgBitrate).toBe(4_000_000);
    expect(m.startupMs).toBe(500);
    expect(m.network).toBe('unknown');
  });

  it('counts a stall still open at the end up to the end of the record', () => {
    const m = sessionMetrics(qoe({ durationMs: 20_000, playedSec: 15, stalls: [{ startMs: 18_000 }] }));
    expect(m.rebufferingMs).toBe(2000);
    expect(m.rebufferingRatio).toBeCloseTo(2 / 17, 10);
  });

  it('counts failed fetches, retries and re-steers', () => {
    const m = sessionMetrics(
      qoe({
        failedFetches: 3,
        retries: 2,
        failoverMarks: [
          { atMs: 100, from: 'a', to: 'b', reason: 'error', detail: '' },
          { atMs: 200, from: 'b', to: undefined, reason: 'timeout', detail: '' },
        ],
      }),
    );
    expect(m).toMatchObject({ failedFetches: 3, retries: 2, resteers: 1 });
  });

  it('gives a session that never played no startup time, bitrate or ratio', () => {
    const m = sessionMetrics(
      qoe({ started: false, startupMs: undefined, endReason: 'abandoned', playedSec: 0 }),
    );
    expect(m).toMatchObject({ outcome: 'ebvs', startupMs: undefined, avgBitrate: 0, rebufferingRatio: 0 });
    expect(m.rebufferingPerHour).toBe(0);
  });
});

describe('aggregates', () => {
  const sessions = [
    // cable: played 100 s at 6 Mb/s, startup 400 ms, one 10 s stall, 2 switches
    qoe({
      id: 'a',
      network: net('cable'),
      startupMs: 400,
      playedSec: 100,
      avgBitrate: 6e6,
      switches: 2,
      stalls: [{ startMs: 20_000, endMs: 30_000 }],
      durationMs: 120_000,
    }),
    // cable: played 300 s at 2 Mb/s, startup 1200 ms, no stall, 0 switches
    qoe({ id: 'b', network: net('cable'), startupMs: 1200, playedSec: 300, avgBitrate: 2e6, switches: 0 }),
    qoe({ id: 'c', network: net('cable'), started: false, startupMs: undefined, endReason: 'start-failed' }),
    qoe({ id: 'd', network: net('mobile'), started: false, startupMs: undefined, endReason: 'abandoned' }),
    qoe({ id: 'e', network: net('mobile'), started: false, startupMs: undefined, endReason: 'stopped' }),
    qoe({ id: 'f', titleId: 't0002', startupMs: 800, playedSec: 200, avgBitrate: 1e6, switches: 1 }),
  ];

  it('computes VSF and EBVS over attempts, startup over plays, ratios over playing time', () => {
    const r = qoeReport(sessions);
    const o = r.overall;
    expect(o).toMatchObject({ sessions: 6, attempts: 5, plays: 3, vsf: 1, ebvs: 1, cut: 1 });
    expect(o.vsfRatio).toBeCloseTo(0.2, 10);
    expect(o.ebvsRatio).toBeCloseTo(0.2, 10);
    expect(o.startupMs).toMatchObject({ count: 3, p50: 800, max: 1200 });
    // 10 s rebuffering over 600 s playing + 10 s
    expect(o.rebufferingRatioOverall).toBeCloseTo(10 / 610, 10);
    // one rebuffering in 600 s = 6 an hour; three switches in 600 s = 18 an hour
    expect(o.rebufferings).toBe(1);
    expect(o.rebufferingPerHour).toBeCloseTo(6, 10);
    expect(o.switchesPerHour).toBeCloseTo(18, 10);
    // (6 × 100 + 2 × 300 + 1 × 200) / 600 Mb/s
    expect(o.avgBitrateOverall).toBeCloseTo((1400 / 600) * 1e6, 3);
    expect(o.playingHours).toBeCloseTo(600 / 3600, 10);
  });

  it('groups per network profile and per title', () => {
    const r = qoeReport(sessions);
    expect(Object.keys(r.byNetwork)).toEqual(['cable', 'mobile', 'unknown']);
    const cable = r.byNetwork['cable']!;
    expect(cable).toMatchObject({ attempts: 3, plays: 2, vsf: 1, ebvs: 0 });
    expect(cable.vsfRatio).toBeCloseTo(1 / 3, 10);
    expect(cable.rebufferingRatio.max).toBeCloseTo(10 / 110, 10);
    expect(r.byNetwork['mobile']).toMatchObject({ attempts: 1, plays: 0, ebvs: 1, ebvsRatio: 1 });
    expect(Object.keys(r.byTitle)).toEqual(['t0001', 't0002']);
    expect(r.byTitle['t0002']).toMatchObject({ plays: 1 });
    expect(r.sessions).toHaveLength(6);
  });

  it('is all zeros, not NaN, for nothing', () => {
    const o = aggregateQoe([]);
    expect(Object.values(o).filter((v) => typeof v === 'number' && Number.isNaN(v))).toEqual([]);
    expect(o.vsfRatio).toBe(0);
    expect(o.avgBitrateOverall).toBe(0);
  });
});
