// Hand-built QoE records and chaos experiments for the report's pure tests.
import type { ChaosExperiment } from '@ferry/protocol';
import type { DownloadSample, SessionQoe } from '../src/player/qoe.js';

/** A started session with nothing in its timelines; `over` fills in what a test looks at. */
export function qoe(over: Partial<SessionQoe>): SessionQoe {
  return {
    id: 's',
    titleId: 't0001',
    startedAt: 1_000_000,
    durationMs: 4000,
    started: true,
    startupMs: 500,
    stallCount: 0,
    stallMs: 0,
    playedSec: 3.5,
    avgBitrate: 3_000_000,
    switches: 1,
    failovers: 0,
    steers: 1,
    segments: 3,
    bytes: 0,
    bytesByAppliance: {},
    rules: { throughput: 3, bola: 0 },
    errors: [],
    stalls: [],
    downloads: [],
    failoverMarks: [],
    failedFetches: 0,
    retries: 0,
    skips: 0,
    ...over,
  };
}

/** One download finished at `atMs` (session-relative): `bits/s` of bitrate, took `tookMs`. */
export function download(
  atMs: number,
  applianceId: string,
  bitrate: number,
  tookMs = 500,
  bytes = 1_000_000,
): DownloadSample {
  return { atMs, applianceId, bytes, durationMs: tookMs, bitrate, segment: 0 };
}

/** An experiment that ran from `startedAtMs` to `endedAtMs` (wall-clock) on `appliances`. */
export function experiment(over: Partial<ChaosExperiment> & Pick<ChaosExperiment, 'id'>): ChaosExperiment {
  const startAtMs = over.startedAtMs ?? over.startAtMs ?? 0;
  return {
    kind: 'kill',
    target: { appliance: over.appliances?.[0] ?? 'v' },
    appliances: ['v'],
    params: {},
    durationSec: 10,
    state: 'ended',
    source: 'operator',
    createdBy: 'ops',
    createdAtMs: startAtMs,
    startAtMs,
    endsAtMs: startAtMs + 10_000,
    ...over,
  };
}
