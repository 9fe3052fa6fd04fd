// What one session's QoE record shows inside a stretch of time (pure). Session records
// count milliseconds from the session's own start (`SessionQoe.startedAt`, unix ms), while
// a kill or a chaos experiment is a wall-clock time: convert once with `relativeMs`, then
// every helper here takes session-relative times. Windows are half-open, [fromMs, toMs), so
// two windows that touch never count the same event twice.
import type { DownloadSample, FailoverMark, SessionQoe } from '../player/qoe.js';

/** A wall-clock time (unix ms) as ms since the session started. */
export function relativeMs(q: SessionQoe, wallMs: number): number {
  return wallMs - q.startedAt;
}

const inWindow = (t: number, fromMs: number, toMs: number) => t >= fromMs && t < toMs;

/** Ms the session spent stalled inside [fromMs, toMs); a stall still open lasts to the record's end. */
export function stalledMs(q: SessionQoe, fromMs: number, toMs: number): number {
  return q.stalls.reduce(
    (n, s) => n + Math.max(0, Math.min(s.endMs ?? q.durationMs, toMs) - Math.max(s.startMs, fromMs)),
    0,
  );
}

/** Stalls that began inside [fromMs, toMs). */
export function stallsStarted(q: SessionQoe, fromMs: number, toMs: number): number {
  return q.stalls.filter((s) => inWindow(s.startMs, fromMs, toMs)).length;
}

/** Failed or abandoned fetches (each a move down the ranked URLs, or a new steer) in [fromMs, toMs). */
export function failoversIn(q: SessionQoe, fromMs: number, toMs: number): FailoverMark[] {
  return q.failoverMarks.filter((m) => inWindow(m.atMs, fromMs, toMs));
}

/** Downloads that finished inside [fromMs, toMs). */
export function downloadsIn(q: SessionQoe, fromMs: number, toMs: number): DownloadSample[] {
  return q.downloads.filter((d) => inWindow(d.atMs, fromMs, toMs));
}

/**
 * Was the session fetching from one of `appliances` at `atMs`? Yes when its last download
 * finished by then came from one of them, or when it has since given up on one of them (a
 * failover away from it: the segment then in flight was being fetched there).
 */
export function fetchingFrom(q: SessionQoe, atMs: number, appliances: ReadonlySet<string>): boolean {
  let last: DownloadSample | undefined;
  for (const d of q.downloads) if (d.atMs <= atMs && (!last || d.atMs >= last.atMs)) last = d;
  if (last && appliances.has(last.applianceId)) return true;
  const since = last?.atMs ?? Number.NEGATIVE_INFINITY;
  return q.failoverMarks.some((m) => m.atMs > since && m.atMs <= atMs && appliances.has(m.from));
}

/**
 * Whether the session asked for anything after `atMs`: a download finished after it, or an
 * attempt failed from it on. One that did not (its title ended, the viewer left) had nothing
 * to move or recover.
 */
export function askedAfter(q: SessionQoe, atMs: number): boolean {
  return q.downloads.some((d) => d.atMs > atMs) || q.failoverMarks.some((m) => m.atMs >= atMs);
}

/** The first download finished after `afterMs` from an appliance not in `appliances`. */
export function firstDownloadElsewhere(
  q: SessionQoe,
  afterMs: number,
  appliances: ReadonlySet<string>,
): DownloadSample | undefined {
  let first: DownloadSample | undefined;
  for (const d of q.downloads) {
    if (d.atMs > afterMs && !appliances.has(d.applianceId) && (!first || d.atMs < first.atMs)) first = d;
  }
  return first;
}

/** Does the session's record cover any of [fromMs, toMs)? */
export function activeIn(q: SessionQoe, fromMs: number, toMs: number): boolean {
  return fromMs < q.durationMs && toMs > 0;
}
