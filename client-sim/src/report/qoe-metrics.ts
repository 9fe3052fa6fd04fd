// QoE as the streaming industry counts it (pure), per session and aggregated overall, per
// access-network profile and per title. The vocabulary is CTA-2066 (Consumer Technology
// Association, "Streaming Quality of Experience Events, Properties and Metrics", 2020) —
// a session is one play attempt; startup is from the play request to the first frame;
// rebuffering is a stall after the first frame that the viewer did not cause — with the
// Streaming Video Alliance / Conviva metric names and ratios where CTA-2066 leaves the
// arithmetic open (Conviva's "Video Start Failures", "Exits Before Video Start", "Video
// Startup Time", "Rebuffering Ratio", "Average Bitrate"). docs/qoe.md gives each
// definition, its source and how Ferry measures it.
//
//   VSF   a play attempt that ended in a failure before the first frame
//   EBVS  a play attempt the viewer left before the first frame, with no failure
//   VST   ms from the play request to the first frame, over attempts that started
//   rebuffering ratio   rebuffering time / (playing time + rebuffering time)
//   rebuffering count   rebuffering events; frequency = count per hour of playing time
//   average bitrate     bitrate weighted by the media time played at it
//   bitrate switches    rendition changes; also per hour of playing time
//
// Waiting that a seek causes (the buffer emptied because the viewer jumped) is not
// rebuffering (CTA-2066 counts only stalls the viewer did not ask for), and a session the
// run cut off before its first frame is neither a VSF nor an EBVS: the viewer did not
// leave, the simulation ended. It is left out of the attempts the two ratios divide by.
import type { SessionQoe } from '../player/qoe.js';
import { type Distribution, distribution } from './percentiles.js';

export type StartOutcome =
  /** reached the first frame */
  | 'played'
  /** video start failure */
  | 'vsf'
  /** exit before video start */
  | 'ebvs'
  /** the run ended it before its first frame: not an attempt that counts */
  | 'cut';

export interface SessionMetrics {
  id: string;
  titleId: string;
  /** `network.profile`, 'unknown' for records without one */
  network: string;
  outcome: StartOutcome;
  /** ms from the play request to the first frame; only when it played */
  startupMs: number | undefined;
  playingSec: number;
  rebufferingMs: number;
  rebufferingCount: number;
  /** seek-induced waiting, kept apart from rebuffering */
  seekWaitMs: number;
  rebufferingRatio: number;
  /** rebuffering events per hour of playing time; 0 with no playing time */
  rebufferingPerHour: number;
  /** b/s */
  avgBitrate: number;
  switches: number;
  switchesPerHour: number;
  failedFetches: number;
  retries: number;
  /** failed attempts after which the player had to steer again (its whole list was bad) */
  resteers: number;
}

const HOUR_MS = 3_600_000;
const perHour = (count: number, playingSec: number) =>
  playingSec > 0 ? (count * HOUR_MS) / (playingSec * 1000) : 0;

export function startOutcome(q: SessionQoe): StartOutcome {
  if (q.started) return 'played';
  if (q.endReason === 'start-failed') return 'vsf';
  // Gave up waiting, or its watch time ran out before the first frame: either way it left.
  if (q.endReason === 'abandoned' || q.endReason === 'watched') return 'ebvs';
  if (q.endReason === undefined && q.errors.length > 0) return 'vsf'; // records written before end reasons
  return 'cut';
}

export function sessionMetrics(q: SessionQoe): SessionMetrics {
  const outcome = startOutcome(q);
  const played = outcome === 'played';
  // The player records the waiting after a seek apart from its stalls (buffer.ts).
  const waited = (st: { startMs: number; endMs?: number }) =>
    Math.max(0, (st.endMs ?? q.durationMs) - st.startMs);
  let rebufferingMs = 0;
  for (const st of q.stalls) rebufferingMs += waited(st);
  const rebufferingCount = q.stalls.length;
  let seekWaitMs = 0;
  for (const st of q.seekWaits ?? []) seekWaitMs += waited(st);
  const playingSec = played ? q.playedSec : 0;
  const denom = playingSec * 1000 + rebufferingMs;
  return {
    id: q.id,
    titleId: q.titleId,
    network: q.network?.profile ?? 'unknown',
    outcome,
    startupMs: played ? (q.startupMs ?? 0) : undefined,
    playingSec,
    rebufferingMs,
    rebufferingCount,
    seekWaitMs,
    rebufferingRatio: denom > 0 ? rebufferingMs / denom : 0,
    rebufferingPerHour: perHour(rebufferingCount, playingSec),
    avgBitrate: played ? q.avgBitrate : 0,
    switches: q.switches,
    switchesPerHour: perHour(q.switches, playingSec),
    failedFetches: q.failedFetches ?? 0,
    retries: q.retries ?? 0,
    resteers: q.failoverMarks.filter((m) => m.to === undefined).length,
  };
}

export interface QoeAggregate {
  sessions: number;
  /** sessions that count as play attempts (all but those the run cut off before their first frame) */
  attempts: number;
  plays: number;
  vsf: number;
  ebvs: number;
  cut: number;
  /** vsf / attempts */
  vsfRatio: number;
  /** ebvs / attempts */
  ebvsRatio: number;
  /** over sessions that played */
  startupMs: Distribution;
  rebufferingRatio: Distribution;
  /** all rebuffering time over all playing + rebuffering time */
  rebufferingRatioOverall: number;
  rebufferingCount: Distribution;
  rebufferings: number;
  /** rebufferings per hour of all playing time */
  rebufferingPerHour: number;
  avgBitrate: Distribution;
  /** bitrate weighted by each session's playing time, b/s */
  avgBitrateOverall: number;
  switches: Distribution;
  switchesTotal: number;
  switchesPerHour: number;
  playingHours: number;
  seekWaitMs: number;
  failedFetches: number;
  retries: number;
  resteers: number;
}

export function aggregateQoe(metrics: readonly SessionMetrics[]): QoeAggregate {
  const played = metrics.filter((m) => m.outcome === 'played');
  const count = (o: StartOutcome) => metrics.filter((m) => m.outcome === o).length;
  const sum = (xs: readonly SessionMetrics[], f: (m: SessionMetrics) => number) =>
    xs.reduce((a, m) => a + f(m), 0);
  const vsf = count('vsf');
  const ebvs = count('ebvs');
  const cut = count('cut');
  const attempts = metrics.length - cut;
  const playingSec = sum(played, (m) => m.playingSec);
  const rebufferingMs = sum(played, (m) => m.rebufferingMs);
  const rebufferings = sum(played, (m) => m.rebufferingCount);
  const switchesTotal = sum(played, (m) => m.switches);
  const denom = playingSec * 1000 + rebufferingMs;
  return {
    sessions: metrics.length,
    attempts,
    plays: played.length,
    vsf,
    ebvs,
    cut,
    vsfRatio: attempts > 0 ? vsf / attempts : 0,
    ebvsRatio: attempts > 0 ? ebvs / attempts : 0,
    startupMs: distribution(played.map((m) => m.startupMs ?? 0)),
    rebufferingRatio: distribution(played.map((m) => m.rebufferingRatio)),
    rebufferingRatioOverall: denom > 0 ? rebufferingMs / denom : 0,
    rebufferingCount: distribution(played.map((m) => m.rebufferingCount)),
    rebufferings,
    rebufferingPerHour: perHour(rebufferings, playingSec),
    avgBitrate: distribution(played.map((m) => m.avgBitrate)),
    avgBitrateOverall: playingSec > 0 ? sum(played, (m) => m.avgBitrate * m.playingSec) / playingSec : 0,
    switches: distribution(played.map((m) => m.switches)),
    switchesTotal,
    switchesPerHour: perHour(switchesTotal, playingSec),
    playingHours: playingSec / 3600,
    seekWaitMs: sum(metrics, (m) => m.seekWaitMs),
    failedFetches: sum(metrics, (m) => m.failedFetches),
    retries: sum(metrics, (m) => m.retries),
    resteers: sum(metrics, (m) => m.resteers),
  };
}

export interface QoeReport {
  overall: QoeAggregate;
  /** keyed by network profile ('unknown' for records without one) */
  byNetwork: Record<string, QoeAggregate>;
  byTitle: Record<string, QoeAggregate>;
  /** one row per session: what the CDFs are drawn from */
  sessions: SessionMetrics[];
}

function groupBy(metrics: readonly SessionMetrics[], key: (m: SessionMetrics) => string) {
  const groups = new Map<string, SessionMetrics[]>();
  for (const m of metrics) {
    const k = key(m);
    const g = groups.get(k);
    if (g) g.push(m);
    else groups.set(k, [m]);
  }
  const out: Record<string, QoeAggregate> = {};
  for (const k of [...groups.keys()].sort()) out[k] = aggregateQoe(groups.get(k)!);
  return out;
}

export function qoeReport(sessions: readonly SessionQoe[]): QoeReport {
  const metrics = sessions.map(sessionMetrics);
  return {
    overall: aggregateQoe(metrics),
    byNetwork: groupBy(metrics, (m) => m.network),
    byTitle: groupBy(metrics, (m) => m.titleId),
    sessions: metrics,
  };
}
