// A browser player's metrics as a SessionQoe, so the simulator's report draws real players
// beside simulated ones. Where the players report the same thing the mapping is direct
// (startup = first 'playing' after the source was given; stalls = 'waiting' after playing;
// switches = rendered level/quality changes after the first choice); bytes and bitrate come
// from the fragments the player loaded. The appliance of a fragment is found by its URL's
// host:port in `appliances` (from control's GET /v1/appliances or the caller), else by the
// pathway / service location the manifest gave it (Ferry names them by appliance id), else
// the host:port itself. Times are ms since the source was given to the player.
import type { DownloadSample, FailoverMark, SessionErrorEntry, SessionQoe } from '../player/qoe.js';
import type { PageFragment, PageMetrics } from './page-metrics.js';

/**
 * A 'waiting' that 'playing' ends within this is the element waiting on an append between
 * two buffered ranges (0–50 ms, seen on an idle loopback too), not a frozen picture: it stays
 * in the raw metrics and is not counted as a stall.
 */
export const MIN_STALL_MS = 100;

/** host:port → appliance id */
export type ApplianceByHost = ReadonlyMap<string, string>;

export interface BrowserSessionQoe {
  qoe: SessionQoe;
  /** the player's own record, as the page kept it */
  raw: PageMetrics;
}

export function applianceOf(f: Pick<PageFragment, 'host' | 'location'>, byHost: ApplianceByHost): string {
  const known = byHost.get(f.host);
  if (known) return known;
  // hls.js names the pathway of a manifest without steering '.'; dash.js uses the BaseURL.
  if (f.location && f.location !== '.' && !f.location.includes('/')) return f.location;
  return f.host;
}

export function pageMetricsToQoe(
  m: PageMetrics,
  opts: { id: string; titleId: string; appliances?: ApplianceByHost },
): SessionQoe {
  const byHost = opts.appliances ?? new Map<string, string>();
  const t0 = m.sourceAtMs ?? 0;
  const rel = (ms: number) => Math.max(0, ms - t0);
  const media = m.fragments.filter((f) => !f.init);
  const video = media.filter((f) => f.kind === 'video');

  const bytesByAppliance: Record<string, number> = {};
  for (const f of m.fragments) {
    const a = applianceOf(f, byHost);
    bytesByAppliance[a] = (bytesByAppliance[a] ?? 0) + f.bytes;
  }
  const downloads: DownloadSample[] = video.map((f, i) => ({
    atMs: rel(f.atMs),
    applianceId: applianceOf(f, byHost),
    bytes: f.bytes,
    durationMs: f.loadMs ?? 0,
    bitrate: f.bitrate ?? 0,
    segment: i,
  }));
  // Average bitrate weighted by media duration, over video fragments whose bitrate is known.
  let bitSec = 0;
  let sec = 0;
  for (const f of video) {
    if (!f.bitrate) continue;
    bitSec += f.bitrate * f.mediaSec;
    sec += f.mediaSec;
  }

  // A failed fragment attempt is a failed fetch; a change of appliance between consecutive
  // video fragments after such a failure is a failover (one without a failure is steering).
  const failed = m.errors.filter((e) => e.fragment === true && !e.fatal);
  const failoverMarks: FailoverMark[] = [];
  for (let i = 1; i < video.length; i++) {
    const prev = video[i - 1]!;
    const cur = video[i]!;
    const from = applianceOf(prev, byHost);
    const to = applianceOf(cur, byHost);
    if (from === to) continue;
    const cause = failed.find((e) => e.atMs > prev.atMs && e.atMs <= cur.atMs);
    if (!cause) continue;
    failoverMarks.push({ atMs: rel(cur.atMs), from, to, reason: 'error', detail: cause.detail });
  }

  const stalls = m.stalls
    .filter((s) => s.endMs - s.startMs >= MIN_STALL_MS)
    .map((s) => ({ startMs: rel(s.startMs), endMs: rel(s.endMs) }));
  // A stall still going on counts from its start, however short so far.
  if (m.waitingSinceMs !== undefined) stalls.push({ startMs: rel(m.waitingSinceMs), endMs: rel(m.atMs) });
  const stallMs = stalls.reduce((a, s) => a + (s.endMs - s.startMs), 0);

  const errors: SessionErrorEntry[] = m.errors
    .filter((e) => e.fatal)
    .map((e) => ({ atMs: rel(e.atMs), code: 'FERRY_ERR_SIM_PLAYER', message: `${e.source}: ${e.detail}` }));

  return {
    id: opts.id,
    titleId: opts.titleId,
    startedAt: Math.round(m.timeOrigin + t0),
    durationMs: rel(m.atMs),
    started: m.startupMs !== undefined,
    startupMs: m.startupMs,
    stallCount: stalls.length,
    stallMs,
    playedSec: m.playedSec,
    avgBitrate: sec > 0 ? bitSec / sec : 0,
    switches: m.switches.filter((s) => !s.initial).length,
    failovers: failoverMarks.length,
    steers: m.steering.filter((s) => s.kind === 'manifest').length,
    segments: video.length,
    bytes: m.fragments.reduce((a, f) => a + f.bytes, 0),
    bytesByAppliance,
    // hls.js and dash.js choose bitrates with their own rules, not the simulator's.
    rules: { throughput: 0, bola: 0 },
    errors,
    stalls,
    downloads,
    failoverMarks,
    failedFetches: failed.length,
    // A player retries or moves on after every failed attempt while it plays on.
    retries: failed.length,
    skips: 0,
    endReason:
      m.errors.some((e) => e.fatal) && m.startupMs === undefined
        ? 'start-failed'
        : m.ended
          ? 'title-end'
          : 'stopped',
  };
}
