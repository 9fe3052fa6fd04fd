// What a kill did to the viewers, from their QoE records (pure): which sessions were
// fetching from the victim, how long each took to fetch elsewhere, stalls after the kill,
// which sessions had at least `bufferSec` of media buffered when it happened, and what the
// player's learning cost: failed fetches per affected viewer (goal ≤ 1: one failed attempt
// at the dead appliance, then it is excluded), retries and re-steers after the kill.
import {
  askedAfter,
  failoversIn,
  fetchingFrom,
  firstDownloadElsewhere,
  relativeMs,
  type SessionQoe,
  stalledMs,
  stallsStarted,
} from '@ferry/client-sim';

export interface FailoverAnalysis {
  affected: number;
  /**
   * ms from the kill until the last affected session that fetched again fetched a segment
   * elsewhere; null when one of them never did
   */
  allMovedMs: number | null;
  /**
   * affected sessions that asked for nothing after the kill (the title ended, the viewer
   * left, or the run ended with their buffer full): there was nothing for them to move
   */
  affectedIdle: number;
  /** per affected session, ms from the kill to its first download from another appliance */
  movedMs: number[];
  stallsAfterKill: number;
  /** stalls after the kill among sessions that had >= bufferSec buffered at the kill */
  stallsWithBuffer: number;
  sessionsWithBuffer: number;
  /** failed fetch attempts after the kill, every session (one failover mark per failed attempt) */
  failedFetches: number;
  /** failed fetch attempts after the kill among the affected sessions */
  affectedFailedFetches: number;
  /** affectedFailedFetches / affected; null with nobody affected */
  failedFetchesPerAffected: number | null;
  /** attempts after the kill that followed a failed one (a failed attempt the session went on from) */
  retriesAfterKill: number;
  /** new steers after the kill because a whole URL list failed */
  resteersAfterKill: number;
  /** the players' own retry counters, whole run (they carry no times) */
  retriesRecorded: number;
  sessionsWithErrors: number;
}

/** Goal for the player's learning: at most one failed fetch per affected viewer. */
export const FAILED_FETCHES_PER_AFFECTED_GOAL = 1;

/** Media seconds a session held ahead of playback at `atMs` (unix ms), from its downloads. */
export function bufferedAt(q: SessionQoe, atMs: number, segmentSec: number): number {
  const rel = relativeMs(q, atMs);
  if (!q.started || q.startupMs === undefined || rel < q.startupMs) return 0;
  const fetched = q.downloads.filter((d) => d.atMs <= rel).length * segmentSec;
  const played = (rel - q.startupMs - stalledMs(q, 0, rel)) / 1000;
  return Math.max(0, fetched - played);
}

export function analyzeFailover(
  sessions: readonly SessionQoe[],
  opts: { victim: string; killAtMs: number; segmentSec: (q: SessionQoe) => number; bufferSec: number },
): FailoverAnalysis {
  const victim = new Set([opts.victim]);
  const movedMs: number[] = [];
  let affectedIdle = 0;
  let affected = 0;
  let stallsAfterKill = 0;
  let stallsWithBuffer = 0;
  let sessionsWithBuffer = 0;
  let failedFetches = 0;
  let affectedFailedFetches = 0;
  let retriesAfterKill = 0;
  let resteersAfterKill = 0;
  for (const q of sessions) {
    const rel = relativeMs(q, opts.killAtMs);
    const after = stallsStarted(q, rel, Number.POSITIVE_INFINITY);
    stallsAfterKill += after;
    if (bufferedAt(q, opts.killAtMs, opts.segmentSec(q)) >= opts.bufferSec) {
      sessionsWithBuffer++;
      stallsWithBuffer += after;
    }
    const failed = failoversIn(q, rel, Number.POSITIVE_INFINITY);
    failedFetches += failed.length;
    resteersAfterKill += failed.filter((m) => m.to === undefined).length;
    // A failed attempt the session went on from (a later attempt failed or delivered) was retried.
    const lastActivity = Math.max(
      Number.NEGATIVE_INFINITY,
      ...q.downloads.map((d) => d.atMs),
      ...q.failoverMarks.map((m) => m.atMs),
    );
    retriesAfterKill += failed.filter((m) => m.atMs < lastActivity).length;
    if (!fetchingFrom(q, rel, victim)) continue;
    affected++;
    affectedFailedFetches += failed.length;
    const next = firstDownloadElsewhere(q, rel, victim);
    if (next) movedMs.push(Math.round(next.atMs - rel));
    else if (!askedAfter(q, rel)) affectedIdle++;
  }
  return {
    affected,
    allMovedMs:
      movedMs.length > 0 && movedMs.length === affected - affectedIdle ? Math.max(...movedMs) : null,
    affectedIdle,
    movedMs,
    stallsAfterKill,
    stallsWithBuffer,
    sessionsWithBuffer,
    failedFetches,
    affectedFailedFetches,
    failedFetchesPerAffected: affected > 0 ? affectedFailedFetches / affected : null,
    retriesAfterKill,
    resteersAfterKill,
    retriesRecorded: sessions.reduce((n, q) => n + (q.retries ?? 0), 0),
    sessionsWithErrors: sessions.filter((q) => q.errors.length > 0).length,
  };
}
