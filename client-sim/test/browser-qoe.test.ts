// A browser player's page metrics as a SessionQoe: times from the moment the source was
// given, short 'waiting' blips left out, fragments attributed to appliances by host first,
// failovers only where a failed fetch came before the change of appliance.
import { describe, expect, it } from 'vitest';
import { MIN_STALL_MS, type PageFragment, type PageMetrics, pageMetricsToQoe } from '../src/browser/index.js';

const frag = (atMs: number, host: string, location: string | undefined, extra: Partial<PageFragment> = {}) =>
  ({
    atMs,
    url: `http://${host}/v1/c/s?t=x`,
    host,
    location,
    kind: 'video',
    init: false,
    bytes: 1000,
    loadMs: 20,
    mediaSec: 2,
    bitrate: 700_000,
    ...extra,
  }) satisfies PageFragment;

function metrics(over: Partial<PageMetrics> = {}): PageMetrics {
  return {
    player: 'hls',
    src: 'http://control/v1/titles/t1/main.m3u8',
    library: 'hls.js 1.7.4',
    timeOrigin: 1_700_000_000_000,
    sourceAtMs: 100,
    startupMs: 400,
    firstPlayingAtMs: 500,
    waitingSinceMs: undefined,
    stalls: [],
    switches: [],
    errors: [],
    fragments: [],
    steering: [],
    pathway: undefined,
    dropped: { fragments: 0, stalls: 0, switches: 0, errors: 0, steering: 0 },
    recoveries: 0,
    ended: false,
    atMs: 10_100,
    currentTime: 9.5,
    playedSec: 9.5,
    bufferedEnd: 14,
    paused: false,
    readyState: 4,
    droppedFrames: 0,
    totalFrames: 285,
    ...over,
  };
}

describe('pageMetricsToQoe', () => {
  it('measures from the source, leaves out blips, counts a stall still going on', () => {
    const q = pageMetricsToQoe(
      metrics({
        stalls: [
          { startMs: 2000, endMs: 2000 + MIN_STALL_MS - 1 },
          { startMs: 3000, endMs: 3500 },
        ],
        waitingSinceMs: 9100,
        switches: [
          { atMs: 600, bitrate: 300_000, width: 426, height: 240, initial: true },
          { atMs: 4000, bitrate: 700_000, width: 640, height: 360, initial: false },
        ],
      }),
      { id: 's1', titleId: 't1' },
    );
    expect(q.startedAt).toBe(1_700_000_000_100);
    expect(q.durationMs).toBe(10_000);
    expect(q.started).toBe(true);
    expect(q.startupMs).toBe(400);
    expect(q.stalls).toEqual([
      { startMs: 2900, endMs: 3400 },
      { startMs: 9000, endMs: 10_000 },
    ]);
    expect(q.stallCount).toBe(2);
    expect(q.stallMs).toBe(1500);
    expect(q.switches).toBe(1);
    expect(q.endReason).toBe('stopped');
  });

  it('names appliances by host, then pathway, and finds failovers after failed fetches', () => {
    const byHost = new Map([['127.0.0.91:4000', 'pb-1']]);
    const q = pageMetricsToQoe(
      metrics({
        fragments: [
          frag(200, '127.0.0.91:4000', 'pb-1', { init: true, mediaSec: 0, bytes: 500 }),
          frag(300, '127.0.0.91:4000', 'pb-1', { bitrate: 300_000 }),
          frag(2300, '127.0.0.92:4000', 'pb-2'),
          frag(4300, '127.0.0.92:4000', 'pb-2'),
          frag(6300, '127.0.0.91:4000', 'pb-1'),
        ],
        errors: [
          { atMs: 2000, fatal: false, source: 'dash', detail: 'fragment load failed', fragment: true },
          { atMs: 2100, fatal: false, source: 'dash', detail: '27 not available' },
        ],
        steering: [
          { atMs: 150, kind: 'manifest', priority: ['pb-1', 'pb-2'], ttl: 2 },
          { atMs: 2150, kind: 'manifest', priority: ['pb-2'], ttl: 2 },
        ],
      }),
      { id: 's1', titleId: 't1', appliances: byHost },
    );
    expect(q.bytesByAppliance).toEqual({ 'pb-1': 2500, 'pb-2': 2000 });
    expect(q.bytes).toBe(4500);
    expect(q.segments).toBe(4);
    expect(q.downloads.map((d) => d.applianceId)).toEqual(['pb-1', 'pb-2', 'pb-2', 'pb-1']);
    // The move to pb-2 followed a failed fetch; the move back was steering, not a failover.
    expect(q.failoverMarks).toEqual([
      { atMs: 2200, from: 'pb-1', to: 'pb-2', reason: 'error', detail: 'fragment load failed' },
    ]);
    expect(q.failovers).toBe(1);
    expect(q.failedFetches).toBe(1);
    expect(q.steers).toBe(2);
    expect(q.avgBitrate).toBe((300_000 * 2 + 700_000 * 6) / 8);
    expect(q.errors).toEqual([]);
  });

  it('records fatal errors under FERRY_ERR_SIM_PLAYER and a start that never came', () => {
    const q = pageMetricsToQoe(
      metrics({
        startupMs: undefined,
        firstPlayingAtMs: undefined,
        errors: [{ atMs: 900, fatal: true, source: 'hls', detail: 'networkError/manifestLoadError 503' }],
      }),
      { id: 's1', titleId: 't1' },
    );
    expect(q.started).toBe(false);
    expect(q.errors).toEqual([
      { atMs: 800, code: 'FERRY_ERR_SIM_PLAYER', message: 'hls: networkError/manifestLoadError 503' },
    ]);
    expect(q.endReason).toBe('start-failed');
  });
});
