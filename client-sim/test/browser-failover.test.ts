// Real players through steering changes and an appliance kill: a Ferry deployment (control
// with --player-steering-ttl 2, three appliances of one site holding a real-media title made
// by the media generator and hearing 127.0.0.0/24, the browser's address), hls.js playing
// control's main.m3u8 and dash.js its manifest.mpd in headless Chromium. First control
// disables the appliance they play from (it keeps serving): both move away at a steering
// reload, with no failed fetch. Then the appliance they moved to is killed (SIGKILL by pid,
// through the harness) mid-play: both play on from the last one with no fatal error. Last,
// `ferry sim --players browser` runs against the same deployment. Needs ffmpeg and
// /usr/bin/chromium.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type Deployment, startDeployment, waitUntil } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applianceOf,
  type BrowserPlayer,
  BrowserPlayers,
  manifestUrl,
  type PageMetrics,
  pageMetricsToQoe,
  runBrowserSim,
} from '../src/browser/index.js';
import { waitFor } from './browser-support.js';

const SITES = [
  { id: 'pb-1', site: 'browser', address: '127.0.0.91', prefix: '127.0.0.0/24' },
  { id: 'pb-2', site: 'browser', address: '127.0.0.92', prefix: '127.0.0.0/24' },
  { id: 'pb-3', site: 'browser', address: '127.0.0.93', prefix: '127.0.0.0/24' },
];

let dir = '';
let dep: Deployment | undefined;
let players: BrowserPlayers | undefined;
let titleId = '';
let byHost = new Map<string, string>();

async function steeringPathways(): Promise<string[]> {
  const res = await fetch(`${dep!.topo.controlUrl}/v1/titles/${titleId}/steering/hls`, {
    signal: AbortSignal.timeout(5000),
  });
  if (res.status !== 200) return [];
  return ((await res.json()) as { 'PATHWAY-PRIORITY': string[] })['PATHWAY-PRIORITY'];
}

const mediaFragments = (m: PageMetrics) => m.fragments.filter((f) => !f.init && f.kind === 'video');
const context = (p: BrowserPlayer, m: PageMetrics) =>
  JSON.stringify({
    id: p.id,
    t: m.currentTime,
    errors: m.errors.slice(-20),
    steering: m.steering.slice(-10),
    last: mediaFragments(m)
      .slice(-6)
      .map((f) => [Math.round(f.atMs), f.host, f.location]),
    console: p.console.slice(-15),
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-browser-failover-'));
  dep = await startDeployment({
    dir,
    appliances: SITES,
    // One minute of two small rungs: longer than the test plays, quick to encode and decode.
    content: { titles: 1, minutes: 1, seed: 'browser-failover', media: { ladder: ['240p', '360p'] } },
    controlArgs: ['--player-steering-ttl', '2'],
  });
  titleId = dep.catalog.titles[0]!.id;
  byHost = new Map([...dep.topo.applianceUrls].map(([id, url]) => [new URL(url).host, id]));
  await waitUntil(async () => (await steeringPathways()).length === 3, {
    what: 'every appliance steerable for the title',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  players = await BrowserPlayers.launch();
}, 300_000);

afterAll(async () => {
  await players?.close();
  await dep?.topo.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const ids = SITES.map((s) => s.id);
const metricsOf = (ps: BrowserPlayer[]) => Promise.all(ps.map((p) => p.metrics()));
const servingOf = (m: PageMetrics) => applianceOf(mediaFragments(m).at(-1)!, byHost);

/**
 * Waits until every player has played `sec` more seconds of media since `from` and loaded at
 * least two video fragments since then (or one reported a fatal error); the metrics then.
 */
async function playOn(ps: BrowserPlayer[], from: PageMetrics[], sec: number): Promise<PageMetrics[]> {
  const after = await waitFor(async () => {
    const ms = await metricsOf(ps);
    const done = ms.every((m, i) => {
      const later = mediaFragments(m).filter((f) => f.atMs > from[i]!.atMs);
      return m.currentTime >= from[i]!.currentTime + sec && later.length >= 2;
    });
    return done || ms.some((m) => m.errors.some((e) => e.fatal)) ? ms : undefined;
  }, 150_000);
  return after ?? (await metricsOf(ps));
}

/** Both played on `sec` s after `from`, no fatal error, the last two fragments from `to`. */
function expectMovedTo(
  ps: BrowserPlayer[],
  from: PageMetrics[],
  last: PageMetrics[],
  to: string,
  what: string,
) {
  const all = ps.map((p, i) => context(p, last[i]!)).join('\n');
  ps.forEach((p, i) => {
    const m = last[i]!;
    const k = from[i]!;
    const why = `${p.id} after ${what} at t=${k.currentTime}:\n${all}`;
    expect(
      m.errors.filter((e) => e.fatal),
      why,
    ).toEqual([]);
    expect(m.currentTime, why).toBeGreaterThanOrEqual(k.currentTime + 8);
    const later = mediaFragments(m).filter((f) => f.atMs > k.atMs);
    expect(later.length, why).toBeGreaterThanOrEqual(2);
    // One fragment already in flight at the event may still have come from the old appliance.
    expect(
      later.slice(-2).map((f) => applianceOf(f, byHost)),
      why,
    ).toEqual([to, to]);
    // The players' own records: the pathway (service location) moved after the event.
    expect(
      m.steering.some((x) => x.kind === 'pathway' && x.pathway === to && x.atMs > k.atMs),
      why,
    ).toBe(true);
  });
}

describe('hls.js and dash.js play a Ferry title from control’s manifests', () => {
  let both: BrowserPlayer[] = [];
  let disabled = '';

  it('move off an appliance that control takes out of steering, by steering alone', async () => {
    const control = dep!.topo.controlUrl;
    // A 6 s forward buffer: the players keep fetching, so each event meets them mid-title.
    const hls = await players!.open({
      player: 'hls',
      src: manifestUrl(control, titleId, 'hls'),
      bufferSec: 6,
    });
    const dash = await players!.open({
      player: 'dash',
      src: manifestUrl(control, titleId, 'dash'),
      bufferSec: 6,
    });
    both = [hls, dash];
    const before = await waitFor(async () => {
      const ms = await metricsOf(both);
      return ms.every((m) => m.currentTime > 4 && mediaFragments(m).length >= 2) ? ms : undefined;
    }, 120_000);
    if (!before) {
      const ms = await metricsOf(both);
      throw new Error(`players did not start: ${both.map((p, i) => context(p, ms[i]!)).join('\n')}`);
    }
    // Same client address, same ranking: both play from control's rank-1 pathway, and both
    // read the whole ranking from the steering server.
    const serving = before.map(servingOf);
    expect(serving[0], context(hls, before[0]!)).toBe(serving[1]);
    disabled = serving[0]!;
    expect(ids).toContain(disabled);
    for (const [i, m] of before.entries()) {
      const first = m.steering.find((x) => x.kind === 'manifest');
      expect(first?.priority?.length, context(both[i]!, m)).toBe(3);
    }

    // The appliance keeps serving; only control's ranking changes.
    await dep!.topo.client().disableAppliance(disabled);
    const last = await playOn(both, before, 8);
    const next = servingOf(last[0]!);
    expect(next).not.toBe(disabled);
    expectMovedTo(both, before, last, next, `disabling ${disabled}`);
    for (const [i, m] of last.entries()) {
      // No failed fetch: the move came from the steering manifest, not from errors.
      expect(
        m.errors.filter((e) => e.fragment),
        context(both[i]!, m),
      ).toEqual([]);
    }
  }, 300_000);

  it('keep playing through a kill of the appliance serving them', async () => {
    expect(both).toHaveLength(2);
    const before = await metricsOf(both);
    const victim = servingOf(before[0]!);
    expect(servingOf(before[1]!)).toBe(victim);
    const survivor = ids.find((id) => id !== victim && id !== disabled)!;
    dep!.topo.kill(victim);
    const last = await playOn(both, before, 8);
    expectMovedTo(both, before, last, survivor, `the kill of ${victim}`);
    for (const [i, m] of last.entries()) {
      const qoe = pageMetricsToQoe(m, { id: both[i]!.id, titleId, appliances: byHost });
      expect(qoe.started).toBe(true);
      for (const id of ids)
        expect(qoe.bytesByAppliance[id], `${id}: ${context(both[i]!, m)}`).toBeGreaterThan(0);
      expect(qoe.errors).toEqual([]);
    }
  }, 300_000);

  it('ferry sim --players browser: two players, a table and the report with the raw metrics', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let printed = '';
    stdout.on('data', (c: Buffer) => {
      printed += c.toString();
    });
    stderr.resume();
    const report = join(dir, 'browser-report.html');
    const out = await runBrowserSim(
      {
        control: dep!.topo.controlUrl,
        sessions: 2,
        duration: 10,
        titles: titleId,
        player: 'both',
        report,
        token: dep!.topo.operatorToken,
      },
      { stdout, stderr, handleSignals: false },
    );
    expect(out.sessions.map((s) => s.raw.player)).toEqual(['hls', 'dash']);
    for (const s of out.sessions) {
      expect(s.qoe.started, JSON.stringify(s.raw.errors)).toBe(true);
      expect(s.qoe.titleId).toBe(titleId);
      expect(s.qoe.segments).toBeGreaterThan(0);
      // Named by appliance id through control's GET /v1/appliances: only the survivor is left.
      expect(Object.keys(s.qoe.bytesByAppliance).every((id) => SITES.some((x) => x.id === id))).toBe(true);
    }
    expect(printed).toMatch(/browser-hls-1\s+hls\.js 1\.7\.4/);
    expect(printed).toMatch(/browser-dash-2\s+dash\.js 5\.2\.1/);
    const json = JSON.parse(await readFile(out.json, 'utf8'));
    expect(json.summary.sessions).toBe(2);
    expect(json.browserPlayers.map((b: { id: string }) => b.id)).toEqual(['browser-hls-1', 'browser-dash-2']);
    expect((await readFile(out.html, 'utf8')).length).toBeGreaterThan(1000);
  }, 180_000);
});
