// Fleet QoE from many session records: distributions of what viewers saw, totals of what
// the network did, and time series (per bucket, from the first session's start) that the
// HTML report draws — throughput per appliance, stalls in progress, failover markers —
// and, when chaos experiments are given, what each of them did (chaos-report.ts); QoE as
// the industry counts it (qoe-metrics.ts) overall, per network profile and per title.
import type { ChaosExperiment } from '@ferry/protocol';
import type { SessionQoe } from '../player/qoe.js';
import { analyzeExperiments, type ChaosReportOptions, type ExperimentReport } from './chaos-report.js';
import { type Distribution, distribution } from './percentiles.js';
import { type QoeReport, qoeReport } from './qoe-metrics.js';
import type { ReportRun } from './run-settings.js';

export interface FleetSummary {
  sessions: number;
  started: number;
  /** sessions that never started playing, as a fraction */
  startFailureRatio: number;
  startupMs: Distribution;
  stallCount: Distribution;
  stallMs: Distribution;
  /** stall time / (stall time + played time), per session */
  rebufferRatio: Distribution;
  avgBitrate: Distribution;
  switches: Distribution;
  failovers: number;
  steers: number;
  bytes: number;
  bytesByAppliance: Record<string, number>;
  errorsByCode: Record<string, number>;
}

export interface FailoverPoint {
  atMs: number;
  session: string;
  from: string;
  to: string | undefined;
  reason: string;
}

export interface FleetSeries {
  bucketMs: number;
  /** unix ms of bucket 0 */
  startedAt: number;
  /** bits per second delivered by each appliance, per bucket */
  throughputByAppliance: Record<string, number[]>;
  /** sessions stalled at some point in each bucket */
  stalledSessions: number[];
  failovers: FailoverPoint[];
  /** b/s delivered to all viewers together, per bucket (the sum over appliances) */
  deliveredBps: number[];
  /** events the report was given (kills, health changes), ms since bucket 0, earliest first */
  events: SeriesEvent[];
}

/** Something that happened to the deployment during the run, for the timeline. */
export interface ReportEvent {
  /** unix ms */
  atMs: number;
  kind: 'kill' | 'health' | 'other';
  /** e.g. "kill -9 east-1", "east-1 unreachable" */
  label: string;
  applianceId?: string;
}

export interface SeriesEvent extends Omit<ReportEvent, 'atMs'> {
  /** ms since bucket 0 */
  atMs: number;
}

export interface FleetReport {
  generatedAt: string;
  summary: FleetSummary;
  series: FleetSeries;
  /** the chaos experiments the run saw, when they were given to buildReport */
  experiments?: ExperimentReport[];
  /** CTA-2066 / Conviva metrics: overall, per network profile, per title, per session */
  qoe: QoeReport;
  /** how the run was produced: its settings, versions, machine and the simulator's own load */
  run?: ReportRun;
}

export interface BuildReportOptions {
  bucketMs?: number;
  /** chaos experiments to analyse and draw (wall-clock times, as control lists them) */
  experiments?: readonly ChaosExperiment[];
  /** how the experiments are analysed: settle time, pace share, health changes */
  chaos?: ChaosReportOptions;
  /** kills and other events to mark on the timeline; `chaos.healthChanges` are marked too */
  events?: readonly ReportEvent[];
  /** the run's settings, carried into the report (writeReport adds machine and versions) */
  run?: ReportRun;
}

export function summarize(sessions: readonly SessionQoe[]): FleetSummary {
  const started = sessions.filter((s) => s.started);
  const bytesByAppliance: Record<string, number> = {};
  const errorsByCode: Record<string, number> = {};
  for (const s of sessions) {
    for (const [id, n] of Object.entries(s.bytesByAppliance))
      bytesByAppliance[id] = (bytesByAppliance[id] ?? 0) + n;
    for (const e of s.errors) errorsByCode[e.code] = (errorsByCode[e.code] ?? 0) + 1;
  }
  const sum = (f: (s: SessionQoe) => number) => sessions.reduce((a, s) => a + f(s), 0);
  return {
    sessions: sessions.length,
    started: started.length,
    startFailureRatio: sessions.length > 0 ? 1 - started.length / sessions.length : 0,
    startupMs: distribution(started.map((s) => s.startupMs ?? 0)),
    stallCount: distribution(started.map((s) => s.stallCount)),
    stallMs: distribution(started.map((s) => s.stallMs)),
    rebufferRatio: distribution(
      started.map((s) => {
        const total = s.stallMs / 1000 + s.playedSec;
        return total > 0 ? s.stallMs / 1000 / total : 0;
      }),
    ),
    avgBitrate: distribution(started.map((s) => s.avgBitrate)),
    switches: distribution(started.map((s) => s.switches)),
    failovers: sum((s) => s.failovers),
    steers: sum((s) => s.steers),
    bytes: sum((s) => s.bytes),
    bytesByAppliance,
    errorsByCode,
  };
}

/** Adds `bytes` spread evenly over [fromMs, toMs) to the per-bucket byte counts. */
function spread(buckets: number[], bucketMs: number, fromMs: number, toMs: number, bytes: number): void {
  const first = Math.max(0, Math.floor(fromMs / bucketMs));
  if (toMs <= fromMs) {
    if (first < buckets.length) buckets[first]! += bytes;
    return;
  }
  const last = Math.floor((toMs - 1) / bucketMs);
  for (let b = first; b <= last && b < buckets.length; b++) {
    const overlap = Math.min(toMs, (b + 1) * bucketMs) - Math.max(fromMs, b * bucketMs);
    buckets[b]! += (bytes * overlap) / (toMs - fromMs);
  }
}

/** The events on the series' axis: given ones, and a health change for each `healthChanges` entry. */
function seriesEvents(startedAt: number, opts: BuildReportOptions): SeriesEvent[] {
  const given = opts.events ?? [];
  const health: ReportEvent[] = (opts.chaos?.healthChanges ?? []).map((h) => ({
    atMs: h.atMs,
    kind: 'health',
    label: `${h.applianceId} ${h.to ?? 'not healthy'}`,
    applianceId: h.applianceId,
  }));
  return [...given, ...health]
    .map((e) => ({ ...e, atMs: e.atMs - startedAt }))
    .sort((a, b) => a.atMs - b.atMs);
}

export function timeSeries(
  sessions: readonly SessionQoe[],
  bucketMs = 1000,
  opts: BuildReportOptions = {},
): FleetSeries {
  const startedAt = sessions.length > 0 ? Math.min(...sessions.map((s) => s.startedAt)) : 0;
  const endMs = Math.max(0, ...sessions.map((s) => s.startedAt - startedAt + s.durationMs));
  const n = Math.max(1, Math.ceil(endMs / bucketMs));
  const bytes: Record<string, number[]> = {};
  const stalled = new Array<number>(n).fill(0);
  const failovers: FailoverPoint[] = [];
  for (const s of sessions) {
    const offset = s.startedAt - startedAt;
    for (const d of s.downloads) {
      let series = bytes[d.applianceId];
      if (!series) {
        series = new Array<number>(n).fill(0);
        bytes[d.applianceId] = series;
      }
      spread(series, bucketMs, offset + d.atMs - d.durationMs, offset + d.atMs, d.bytes);
    }
    for (const st of s.stalls) {
      const from = Math.floor((offset + st.startMs) / bucketMs);
      const to = Math.floor((offset + (st.endMs ?? s.durationMs)) / bucketMs);
      for (let b = Math.max(0, from); b <= to && b < n; b++) stalled[b]!++;
    }
    for (const f of s.failoverMarks) {
      failovers.push({ atMs: offset + f.atMs, session: s.id, from: f.from, to: f.to, reason: f.reason });
    }
  }
  const throughputByAppliance: Record<string, number[]> = {};
  for (const [id, b] of Object.entries(bytes))
    throughputByAppliance[id] = b.map((x) => (x * 8 * 1000) / bucketMs);
  failovers.sort((a, b) => a.atMs - b.atMs);
  const deliveredBps = new Array<number>(n).fill(0);
  for (const series of Object.values(throughputByAppliance)) {
    for (let i = 0; i < n; i++) deliveredBps[i]! += series[i] ?? 0;
  }
  return {
    bucketMs,
    startedAt,
    throughputByAppliance,
    stalledSessions: stalled,
    failovers,
    deliveredBps,
    events: seriesEvents(startedAt, opts),
  };
}

export function buildReport(sessions: readonly SessionQoe[], opts: BuildReportOptions = {}): FleetReport {
  return {
    generatedAt: new Date().toISOString(),
    summary: summarize(sessions),
    series: timeSeries(sessions, opts.bucketMs, opts),
    ...(opts.experiments ? { experiments: analyzeExperiments(sessions, opts.experiments, opts.chaos) } : {}),
    qoe: qoeReport(sessions),
    ...(opts.run ? { run: opts.run } : {}),
  };
}
