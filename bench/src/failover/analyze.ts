// What a kill did to the viewers, from their QoE records (pure): which sessions were
// fetching from the victim, how long each took to fetch elsewhere, stalls after the kill,
// and which sessions had at least `bufferSec` of media buffered when it happened.
import {
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
  /** ms from the kill until the last affected session fetched a segment elsewhere */
  allMovedMs: number | null;
  /** per affected session, ms from the kill to its first download from another appliance */
  movedMs: number[];
  stallsAfterKill: number;
  /** stalls after the kill among sessions that had >= bufferSec buffered at the kill */
  stallsWithBuffer: number;
  sessionsWithBuffer: number;
  failedFetches: number;
  sessionsWithErrors: number;
}

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
  let affected = 0;
  let stallsAfterKill = 0;
  let stallsWithBuffer = 0;
  let sessionsWithBuffer = 0;
  let failedFetches = 0;
  for (const q of sessions) {
    const rel = relativeMs(q, opts.killAtMs);
    const after = stallsStarted(q, rel, Number.POSITIVE_INFINITY);
    stallsAfterKill += after;
    if (bufferedAt(q, opts.killAtMs, opts.segmentSec(q)) >= opts.bufferSec) {
      sessionsWithBuffer++;
      stallsWithBuffer += after;
    }
    failedFetches += failoversIn(q, rel, Number.POSITIVE_INFINITY).length;
    if (!fetchingFrom(q, rel, victim)) continue;
    affected++;
    const next = firstDownloadElsewhere(q, rel, victim);
    if (next) movedMs.push(Math.round(next.atMs - rel));
  }
  return {
    affected,
    allMovedMs: movedMs.length === affected && affected > 0 ? Math.max(...movedMs) : null,
    movedMs,
    stallsAfterKill,
    stallsWithBuffer,
    sessionsWithBuffer,
    failedFetches,
    sessionsWithErrors: sessions.filter((q) => q.errors.length > 0).length,
  };
}
