// What one chaos experiment did to the viewers, from their QoE records (pure). The window
// is the experiment's own, [start, end) in wall-clock ms (chaos-window.ts), its end clipped
// to the end of the records; each session's times are converted to it once (its startedAt
// is wall-clock too). "Targets" are the appliances the experiment acted on.
//
// - affected: sessions playing in the window that were fetching from a target at the start
//   (session-window.ts `fetchingFrom`), or finished a download from one, or failed over
//   away from one, during the window.
// - stalls, failovers, errors: counted from the start to the end plus `settleMs`, because a
//   buffer hides a fault for a while and a viewer feels it after the fault is gone. Stall
//   count is stalls that began then; stall time is time spent stalled then.
// - bitrate: each affected session's mean segment bitrate in the window against the same
//   length just before it, averaged over the affected sessions that downloaded in both (a
//   session that joined during the window would otherwise count its startup ramp as a drop).
// - moved: per affected session, ms from the start to its first download elsewhere.
// - recovery (per affected session): the first download, finished after the start and after
//   the session's last disturbance, that is either from an appliance that is not a target,
//   or from a target at >= paceFraction of the session's pre-experiment throughput (median
//   bits/s of its downloads in the stretch before the window; all its earlier downloads if
//   there were none; with no earlier download any target download counts). Disturbances,
//   from the start to the end plus settleMs: a failover, an error, a stall (until playback
//   resumed), a download from a target below that pace. Counting only the first good
//   download would call an `errors` or jittered `latency` experiment recovered at its first
//   lucky fetch. recoveryMs: from the start until the last affected session recovered;
//   null while any has not.
// - idle: affected sessions that asked for nothing after the start (their title ended, the
//   viewer left): they have nothing to move or recover, so moved and recovery leave them out.
import type { ChaosExperiment, ChaosKind } from '@ferry/protocol';
import { SimErrors } from '../errors.js';
import type { DownloadSample, SessionQoe } from '../player/qoe.js';
import { experimentWindow } from './chaos-window.js';
import { type Distribution, distribution, percentile } from './percentiles.js';
import {
  activeIn,
  askedAfter,
  downloadsIn,
  failoversIn,
  fetchingFrom,
  firstDownloadElsewhere,
  relativeMs,
  stalledMs,
  stallsStarted,
} from './session-window.js';

export interface AnalyzeExperimentOptions {
  /** ms after the window in which stalls, failovers and errors still count (default 5000) */
  settleMs?: number;
  /** share of the pre-experiment throughput at which a target counts as back (default 0.8) */
  paceFraction?: number;
  /** unix ms at which control first saw a target as not healthy, when known */
  healthChangeAtMs?: number;
}

export interface StallFigures {
  /** stalls that began in the window or the settle time */
  count: number;
  /** time spent stalled then */
  ms: number;
  /** sessions that stalled then */
  sessions: number;
}

export interface BitrateChange {
  /** affected sessions that downloaded both before and during the window: the ones compared */
  sessions: number;
  beforeMbps: number;
  duringMbps: number;
  dropMbps: number;
  /** the drop as a share of the bitrate before, in %; negative when it rose */
  dropPercent: number;
}

export interface ExperimentAnalysis {
  id: string;
  kind: ChaosKind;
  targets: string[];
  /** unix ms */
  startMs: number;
  /** unix ms; the experiment's end, or the end of the records when that came first */
  endMs: number;
  settleMs: number;
  /** sessions playing at some point of the window */
  viewers: number;
  affected: number;
  /** of those, fetching from a target at the start */
  affectedAtStart: number;
  /** every viewer's stalls */
  stalls: StallFigures;
  /** the affected viewers' stalls */
  affectedStalls: StallFigures;
  failovers: number;
  /** failovers away from a target */
  failoversFromTargets: number;
  /** segments no ranked URL could deliver (FERRY_ERR_SIM_SEGMENT) */
  failedSegments: number;
  errors: number;
  /** null when no affected session downloaded both before and during the window */
  bitrate: BitrateChange | null;
  /** ms from the start to each affected session's first download elsewhere (those that moved) */
  moved: Distribution;
  /**
   * ms until every affected session that asked for anything after the start had fetched
   * elsewhere; null while one had not
   */
  allMovedMs: number | null;
  /**
   * affected sessions that asked for nothing after the start (no download finished, no failed
   * attempt: their title ended, the viewer left, or the buffer stayed full): left out of
   * allMovedMs and recoveryMs, which would otherwise wait for them forever
   */
  idle: number;
  recovered: number;
  recoveryMs: number | null;
  /** ms from the start until control saw a target as not healthy; null when not given */
  detectionMs: number | null;
  /** ms from the start until the first target reported the fault running; null when unknown */
  appliedAfterMs: number | null;
}

export const DEFAULT_SETTLE_MS = 5000;
const DEFAULT_PACE_FRACTION = 0.8;

const throughputBps = (d: DownloadSample) =>
  d.durationMs > 0 ? (d.bytes * 8000) / d.durationMs : Number.POSITIVE_INFINITY;

const meanBitrate = (ds: readonly DownloadSample[]) => ds.reduce((a, d) => a + d.bitrate, 0) / ds.length;

/** A window of one session's record, in its own ms: [start, end) and the settle after. */
interface Span {
  start: number;
  end: number;
  horizon: number;
  targets: ReadonlySet<string>;
}

function isAffected(q: SessionQoe, w: Span): boolean {
  return (
    fetchingFrom(q, w.start, w.targets) ||
    downloadsIn(q, w.start, w.end).some((d) => w.targets.has(d.applianceId)) ||
    failoversIn(q, w.start, w.end).some((m) => w.targets.has(m.from))
  );
}

function stallFigures(sessions: readonly SessionQoe[], spanOf: (q: SessionQoe) => Span): StallFigures {
  const out = { count: 0, ms: 0, sessions: 0 };
  for (const q of sessions) {
    const w = spanOf(q);
    const count = stallsStarted(q, w.start, w.horizon);
    const ms = stalledMs(q, w.start, w.horizon);
    out.count += count;
    out.ms += ms;
    if (count > 0 || ms > 0) out.sessions++;
  }
  return { ...out, ms: Math.round(out.ms) };
}

/** The session's pre-experiment throughput (median b/s), or undefined without an earlier download. */
function baselineBps(q: SessionQoe, w: Span): number | undefined {
  const recent = downloadsIn(q, w.start - (w.end - w.start), w.start);
  const pool = recent.length > 0 ? recent : downloadsIn(q, Number.NEGATIVE_INFINITY, w.start);
  if (pool.length === 0) return undefined;
  return percentile(
    pool.map(throughputBps).sort((a, b) => a - b),
    50,
  );
}

/** Session-relative ms at which the session recovered (see the definition above), or undefined. */
function recoveredAt(q: SessionQoe, w: Span, paceFraction: number): number | undefined {
  const baseline = baselineBps(q, w);
  const atPace = (d: DownloadSample) =>
    !w.targets.has(d.applianceId) || baseline === undefined || throughputBps(d) >= paceFraction * baseline;
  let last = Number.NEGATIVE_INFINITY;
  for (const m of failoversIn(q, w.start, w.horizon)) last = Math.max(last, m.atMs);
  for (const e of q.errors) if (e.atMs >= w.start && e.atMs < w.horizon) last = Math.max(last, e.atMs);
  for (const s of q.stalls) {
    if (s.startMs < w.horizon && (s.endMs ?? q.durationMs) > w.start)
      last = Math.max(last, s.endMs ?? q.durationMs);
  }
  for (const d of downloadsIn(q, w.start, w.horizon)) if (!atPace(d)) last = Math.max(last, d.atMs);
  const good = q.downloads
    .filter((d) => d.atMs >= w.start && d.atMs > last && atPace(d))
    .sort((a, b) => a.atMs - b.atMs);
  return good[0]?.atMs;
}

function bitrateChange(
  affected: readonly SessionQoe[],
  spanOf: (q: SessionQoe) => Span,
): BitrateChange | null {
  const pairs: [number, number][] = [];
  for (const q of affected) {
    const w = spanOf(q);
    const before = downloadsIn(q, w.start - (w.end - w.start), w.start);
    const during = downloadsIn(q, w.start, w.end);
    if (before.length > 0 && during.length > 0) pairs.push([meanBitrate(before), meanBitrate(during)]);
  }
  if (pairs.length === 0) return null;
  const beforeMbps = pairs.reduce((a, [b]) => a + b, 0) / pairs.length / 1e6;
  const duringMbps = pairs.reduce((a, [, d]) => a + d, 0) / pairs.length / 1e6;
  const dropMbps = beforeMbps - duringMbps;
  return {
    sessions: pairs.length,
    beforeMbps,
    duringMbps,
    dropMbps,
    dropPercent: beforeMbps > 0 ? (dropMbps / beforeMbps) * 100 : 0,
  };
}

export function analyzeExperiment(
  sessions: readonly SessionQoe[],
  experiment: ChaosExperiment,
  opts: AnalyzeExperimentOptions = {},
): ExperimentAnalysis {
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  const paceFraction = opts.paceFraction ?? DEFAULT_PACE_FRACTION;
  const window = experimentWindow(experiment);
  const recordsEnd = Math.max(Number.NEGATIVE_INFINITY, ...sessions.map((q) => q.startedAt + q.durationMs));
  const startMs = window.startMs;
  const endMs = Math.max(startMs, Math.min(window.endMs, recordsEnd));
  const targets = new Set(experiment.appliances);
  const spanOf = (q: SessionQoe): Span => ({
    start: relativeMs(q, startMs),
    end: relativeMs(q, endMs),
    horizon: relativeMs(q, endMs + settleMs),
    targets,
  });

  const viewers = sessions.filter((q) => {
    const w = spanOf(q);
    return activeIn(q, w.start, w.end);
  });
  const affected = viewers.filter((q) => isAffected(q, spanOf(q)));
  let failovers = 0;
  let failoversFromTargets = 0;
  let failedSegments = 0;
  let errors = 0;
  for (const q of viewers) {
    const w = spanOf(q);
    const marks = failoversIn(q, w.start, w.horizon);
    failovers += marks.length;
    failoversFromTargets += marks.filter((m) => targets.has(m.from)).length;
    const errs = q.errors.filter((e) => e.atMs >= w.start && e.atMs < w.horizon);
    errors += errs.length;
    failedSegments += errs.filter((e) => e.code === SimErrors.SEGMENT.code).length;
  }

  const movedMs: number[] = [];
  let recovered = 0;
  let recoveryMs = 0;
  let idle = 0;
  for (const q of affected) {
    const w = spanOf(q);
    if (!askedAfter(q, w.start)) {
      idle++;
      continue;
    }
    const next = firstDownloadElsewhere(q, w.start, targets);
    if (next) movedMs.push(Math.round(next.atMs - w.start));
    const at = recoveredAt(q, w, paceFraction);
    if (at !== undefined) {
      recovered++;
      recoveryMs = Math.max(recoveryMs, Math.round(at - w.start));
    }
  }
  const applied = Object.entries(experiment.applied ?? {})
    .filter(([id, a]) => targets.has(id) && a.sinceMs !== undefined)
    .map(([, a]) => a.sinceMs!);
  return {
    id: experiment.id,
    kind: experiment.kind,
    targets: [...experiment.appliances],
    startMs,
    endMs,
    settleMs,
    viewers: viewers.length,
    affected: affected.length,
    affectedAtStart: affected.filter((q) => fetchingFrom(q, spanOf(q).start, targets)).length,
    stalls: stallFigures(viewers, spanOf),
    affectedStalls: stallFigures(affected, spanOf),
    failovers,
    failoversFromTargets,
    failedSegments,
    errors,
    bitrate: bitrateChange(affected, spanOf),
    moved: distribution(movedMs),
    allMovedMs: movedMs.length > 0 && movedMs.length === affected.length - idle ? Math.max(...movedMs) : null,
    idle,
    recovered,
    recoveryMs: recovered > 0 && recovered === affected.length - idle ? recoveryMs : null,
    detectionMs: opts.healthChangeAtMs === undefined ? null : opts.healthChangeAtMs - startMs,
    appliedAfterMs: applied.length > 0 ? Math.min(...applied) - startMs : null,
  };
}
