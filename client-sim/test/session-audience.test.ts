// A session with what the audience planner gives a viewer — an access network, a watch
// time, patience, a resume point and a seek — against a real appliance.
import type { CatalogTitle } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSession } from '../src/player/session.js';
import { type Edge, startEdge } from './support-edge.js';
import { type SteerServer, startSteerServer, startTrickleServer } from './support-steer-server.js';

let edge: Edge;
let title: CatalogTitle;
let control: SteerServer;
const closers: SteerServer[] = [];

beforeAll(async () => {
  edge = await startEdge('audience');
  title = edge.title;
  control = await startSteerServer(title, [{ base: edge.app.url, applianceId: 'edge-1', site: 'test' }]);
});

afterAll(async () => {
  for (const s of closers) await s.close();
  await control?.close();
  await edge?.stop();
});

describe('a planned viewer', () => {
  it('plays over a 2 Mb/s link: throughput and bitrate follow the link, no appliance blamed', async () => {
    const qoe = await runSession({
      control: control.url,
      titleId: title.id,
      durationSec: 8,
      network: { profile: 'dsl', downBps: 2_000_000, rttMs: 30, walkSeed: 1 },
    });
    expect(qoe.errors).toEqual([]);
    expect(qoe.network).toEqual({ profile: 'dsl', downBps: 2_000_000, rttMs: 30 });
    expect(qoe.started).toBe(true);
    expect(qoe.segments).toBeGreaterThan(0);
    // Below the link, not the loopback's 16 Mb/s top rung.
    expect(qoe.avgBitrate).toBeLessThan(2_000_000);
    const big = qoe.downloads.filter((d) => d.bytes > 100_000);
    for (const d of big) expect((d.bytes * 8 * 1000) / d.durationMs).toBeLessThan(2_000_000 * 1.35);
    expect(qoe.failedFetches).toBe(0);
    expect(qoe.exclusions).toEqual([]);
    expect(qoe.endReason).toBe('stopped');
  }, 30_000);

  it('leaves when its watch time is up', async () => {
    const qoe = await runSession({ control: control.url, titleId: title.id, durationSec: 10, watchSec: 3 });
    expect(qoe.endReason).toBe('watched');
    expect(qoe.durationMs).toBeGreaterThanOrEqual(2900);
    expect(qoe.durationMs).toBeLessThan(5000);
  }, 30_000);

  it('abandons a startup that outlasts its patience (exit before video start)', async () => {
    const slow = await startTrickleServer(2000);
    closers.push(slow);
    const only = await startSteerServer(title, [{ base: slow.url, applianceId: 'slow-1', site: 'busy' }]);
    closers.push(only);
    const qoe = await runSession({
      control: only.url,
      titleId: title.id,
      durationSec: 10,
      startupPatienceSec: 1.5,
    });
    expect(qoe.started).toBe(false);
    expect(qoe.endReason).toBe('abandoned');
    expect(qoe.durationMs).toBeGreaterThanOrEqual(1400);
    expect(qoe.durationMs).toBeLessThan(4000);
  }, 30_000);

  it('resumes mid-title and seeks: the seek flushes the buffer, and its wait is not a stall', async () => {
    const total = title.streams[0]!.segments.reduce((s, x) => s + x.durationSec, 0);
    const qoe = await runSession({
      control: control.url,
      titleId: title.id,
      durationSec: 6,
      startFraction: 0.5,
      seeks: [{ atSec: 2.5, toFraction: 0.1 }],
    });
    expect(qoe.errors).toEqual([]);
    expect(qoe.startPositionSec).toBeGreaterThan(total * 0.5 - 5);
    expect(qoe.startPositionSec).toBeLessThanOrEqual(total * 0.5);
    expect(qoe.seeks).toHaveLength(1);
    const seek = qoe.seeks![0]!;
    expect(seek.atMs).toBeGreaterThanOrEqual(2400);
    expect(seek.toSec).toBeLessThanOrEqual(total * 0.1);
    expect(seek.fromSec).toBeGreaterThan(qoe.startPositionSec!);
    expect(qoe.stallCount).toBe(0);
    // Segments before the seek and after it: the first after it is the one holding 10 %.
    const after = qoe.downloads.filter((d) => d.atMs > seek.atMs);
    expect(after.length).toBeGreaterThan(0);
    expect(qoe.started).toBe(true);
  }, 30_000);
});
