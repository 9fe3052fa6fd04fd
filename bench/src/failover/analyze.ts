// What a kill did to the viewers, from their QoE records (pure): which sessions were
// fetching from the victim, how long each took to fetch elsewhere, stalls after the kill,
// and which sessions had at least `bufferSec` of media buffered when it happened.
import type { SessionQoe } from '@ferry/client-sim';

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
  const rel = atMs - q.startedAt;
  if (!q.started || q.startupMs === undefined || rel < q.startupMs) return 0;
  const fetched = q.downloads.filter((d) => d.atMs <= rel).length * segmentSec;
  const stalledBefore = q.stalls.reduce(
    (n, s) => n + Math.max(0, Math.min(s.endMs ?? rel, rel) - s.startMs),
    0,
  );
  const played = (rel - q.startupMs - stalledBefore) / 1000;
  return Math.max(0, fetched - played);
}

export function analyzeFailover(
  sessions: readonly SessionQoe[],
  opts: { victim: string; killAtMs: number; segmentSec: (q: SessionQoe) => number; bufferSec: number },
): FailoverAnalysis {
  const movedMs: number[] = [];
  let stallsAfterKill = 0;
  let stallsWithBuffer = 0;
  let sessionsWithBuffer = 0;
  let failedFetches = 0;
  for (const q of sessions) {
    const rel = opts.killAtMs - q.startedAt;
    const after = q.stalls.filter((s) => s.startMs >= rel).length;
    stallsAfterKill += after;
    if (bufferedAt(q, opts.killAtMs, opts.segmentSec(q)) >= opts.bufferSec) {
      sessionsWithBuffer++;
      stallsWithBuffer += after;
    }
    failedFetches += q.failoverMarks.filter((m) => m.atMs >= rel).length;
    const usedVictim = q.downloads.some((d) => d.atMs <= rel && d.applianceId === opts.victim);
    if (!usedVictim) continue;
    const next = q.downloads.find((d) => d.atMs > rel && d.applianceId !== opts.victim);
    if (next) movedMs.push(Math.round(next.atMs - rel));
  }
  const affected = sessions.filter((q) =>
    q.downloads.some((d) => d.atMs <= opts.killAtMs - q.startedAt && d.applianceId === opts.victim),
  ).length;
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
