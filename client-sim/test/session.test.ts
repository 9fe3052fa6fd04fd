import type { RunningAppliance } from '@ferry/appliance';
import type { CatalogTitle } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSession } from '../src/player/session.js';
import { type Edge, startEdge } from './support-edge.js';
import {
  deadPort,
  type RankedBase,
  type SteerServer,
  startSteerServer,
  startTrickleServer,
} from './support-steer-server.js';

let edge: Edge;
let app: RunningAppliance;
let title: CatalogTitle;
let dead: string;
const steerServers: SteerServer[] = [];

beforeAll(async () => {
  edge = await startEdge('client-sim');
  app = edge.app;
  title = edge.title;
  dead = `http://127.0.0.1:${await deadPort()}`;
});

afterAll(async () => {
  for (const s of steerServers) await s.close();
  await edge?.stop();
});

/** A steer stand-in that ranks `first` ahead of the live appliance; closed after all. */
async function steerAheadOfEdge(first: RankedBase): Promise<SteerServer> {
  const control = await startSteerServer(title, [
    first,
    { base: app.url, applianceId: 'edge-1', site: 'test' },
  ]);
  steerServers.push(control);
  return control;
}

describe('a session against a live appliance', () => {
  it('steers, fails over from a dead rank 1 to the appliance, and plays without stalls', async () => {
    const control = await steerAheadOfEdge({ base: dead, applianceId: 'dead-1', site: 'gone' });
    const qoe = await runSession({
      control: control.url,
      titleId: title.id,
      durationSec: 8,
      localAddress: '127.0.0.1',
    });
    const segments = title.streams[0]!.segments.length;
    expect(qoe.errors).toEqual([]);
    // One steer, and perhaps one more when the exclusion ends (before retrying dead-1).
    expect(control.requests.length).toBeGreaterThanOrEqual(1);
    expect(control.requests.length).toBeLessThanOrEqual(2);
    expect(control.requests[0]).toEqual({ titleId: title.id, remoteAddress: '127.0.0.1' });
    expect(qoe.started).toBe(true);
    expect(qoe.startupMs).toBeLessThan(5000);
    expect(qoe.stallCount).toBe(0);
    expect(qoe.segments).toBe(segments);
    expect(qoe.bytesByAppliance['edge-1']).toBeGreaterThan(0);
    expect(qoe.bytesByAppliance['dead-1']).toBeUndefined();
    // The dead rank 1 fails once and is then excluded: later segments skip it.
    expect(qoe.failovers).toBe(1);
    expect(qoe.failedFetches).toBe(1);
    expect(qoe.retries).toBe(1);
    expect(qoe.skips).toBeGreaterThanOrEqual(segments - 1);
    expect(qoe.failoverMarks).toHaveLength(1);
    expect(qoe.failoverMarks[0]).toMatchObject({ from: 'dead-1', to: 'edge-1', reason: 'error' });
    expect(qoe.exclusions).toEqual([
      expect.objectContaining({ applianceId: 'dead-1', forMs: 5000, reason: 'error' }),
    ]);
    // The run's 8 s end it (durationSec; no watch time given).
    expect(qoe.endReason).toBe('stopped');
    expect(qoe.downloads.every((d) => d.applianceId === 'edge-1')).toBe(true);
    // Loopback is fast: the throughput rule climbs off the lowest rung after one sample.
    expect(qoe.avgBitrate).toBeGreaterThan(title.streams[0]!.bitrate);
    expect(qoe.durationMs).toBeGreaterThanOrEqual(7900);
    expect(qoe.durationMs).toBeLessThan(10_000);
  }, 20_000);

  it('records failures when every rank is dead, re-steers, and never throws', async () => {
    const control = await startSteerServer(title, [{ base: dead, applianceId: 'dead-1', site: 'gone' }]);
    steerServers.push(control);
    const qoe = await runSession({
      control: control.url,
      titleId: title.id,
      durationSec: 2,
      steersPerSegment: 1,
    });
    expect(qoe.started).toBe(false);
    expect(qoe.segments).toBe(0);
    expect(qoe.steers).toBeGreaterThan(1);
    expect(control.requests.length).toBe(qoe.steers);
    expect(qoe.errors.length).toBeGreaterThan(0);
    expect(qoe.errors.every((e) => e.code === 'FERRY_ERR_SIM_SEGMENT')).toBe(true);
    expect(qoe.bytes).toBe(0);
    expect(qoe.endReason).toBe('start-failed');
    expect(qoe.failedFetches).toBe(qoe.failoverMarks.length);
  }, 20_000);

  it('records a steering failure when control is unreachable', async () => {
    const qoe = await runSession({ control: dead, titleId: title.id, durationSec: 1 });
    expect(qoe.started).toBe(false);
    expect(qoe.errors.length).toBeGreaterThan(0);
    expect(qoe.errors[0]!.code).toBe('FERRY_ERR_SIM_STEER');
    expect(qoe.errors[0]!.message).toMatch(/ECONNREFUSED/);
  }, 20_000);

  it('abandons a congested rank 1 (timeout before playback, too slow after) for the appliance', async () => {
    const slow = await startTrickleServer(2000);
    steerServers.push(slow);
    const control = await steerAheadOfEdge({ base: slow.url, applianceId: 'slow-1', site: 'busy' });
    const qoe = await runSession({
      control: control.url,
      titleId: title.id,
      durationSec: 12,
      // 4 s, not less: on a loaded machine a large segment from the healthy appliance must not
      // time out too (the congested one, at 2 kB/s, takes a minute per segment).
      failover: { requestTimeoutMs: 4000, graceMs: 300 },
      // Exclusion off in effect (1 ms), so every segment tries the congested rank 1 again
      // and both verdicts are seen.
      exclusion: { baseMs: 1, maxMs: 1 },
    });
    expect(qoe.errors).toEqual([]);
    expect(qoe.started).toBe(true);
    const reasons = new Set(qoe.failoverMarks.map((f) => f.reason));
    expect(reasons).toEqual(new Set(['timeout', 'too-slow']));
    expect(qoe.failoverMarks.every((f) => f.from === 'slow-1' && f.to === 'edge-1')).toBe(true);
    expect(qoe.downloads.every((d) => d.applianceId === 'edge-1')).toBe(true);
    expect(qoe.bytesByAppliance['edge-1']).toBeGreaterThan(0);
    expect(qoe.bytesByAppliance['slow-1']).toBeGreaterThan(0);
  }, 40_000);
});
