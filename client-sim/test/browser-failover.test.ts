// Real players through an appliance kill: a Ferry deployment (control with
// --player-steering-ttl 2, two appliances of one site holding a real-media title made by the
// media generator and hearing 127.0.0.0/24, the browser's address), hls.js playing control's
// main.m3u8 and dash.js its manifest.mpd in headless Chromium. The appliance the fragments
// come from is killed (SIGKILL by pid, through the harness) mid-play: both players must play
// on from the other appliance with no fatal error. Needs ffmpeg and /usr/bin/chromium.
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
  await waitUntil(async () => (await steeringPathways()).length === 2, {
    what: 'both appliances steerable for the title',
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

describe('hls.js and dash.js play a Ferry title through an appliance kill', () => {
  it('keep playing from the other appliance', async () => {
    const control = dep!.topo.controlUrl;
    // A 6 s forward buffer: the players keep fetching, so the kill meets them mid-title.
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
    const both = [hls, dash];

    // Both play past 4 s, from appliances of the deployment.
    const before = await waitFor(async () => {
      const ms = await Promise.all(both.map((p) => p.metrics()));
      return ms.every((m) => m.currentTime > 4 && mediaFragments(m).length >= 2) ? ms : undefined;
    }, 120_000);
    if (!before) {
      const ms = await Promise.all(both.map((p) => p.metrics()));
      throw new Error(`players did not start: ${both.map((p, i) => context(p, ms[i]!)).join('\n')}`);
    }
    // Same client address, same ranking: both play from control's rank-1 pathway.
    const serving = before.map((m) => applianceOf(mediaFragments(m).at(-1)!, byHost));
    expect(serving[0], context(hls, before[0]!)).toBe(serving[1]);
    const victim = serving[0]!;
    const survivor = SITES.map((s) => s.id).find((id) => id !== victim)!;
    expect(SITES.map((s) => s.id)).toContain(victim);

    const killedAt = await Promise.all(both.map((p) => p.metrics()));
    dep!.topo.kill(victim);

    // Each plays on for at least 8 s of media after the kill, with fragments from the survivor.
    const after = await waitFor(async () => {
      const ms = await Promise.all(both.map((p) => p.metrics()));
      const done = ms.every((m, i) => {
        const later = mediaFragments(m).filter((f) => f.atMs > killedAt[i]!.atMs);
        return m.currentTime >= killedAt[i]!.currentTime + 8 && later.length >= 2;
      });
      return done || ms.some((m) => m.errors.some((e) => e.fatal)) ? ms : undefined;
    }, 150_000);
    const last = after ?? (await Promise.all(both.map((p) => p.metrics())));
    const all = both.map((p, i) => context(p, last[i]!)).join('\n');
    both.forEach((p, i) => {
      const m = last[i]!;
      const k = killedAt[i]!;
      const why = `${p.id} after the kill of ${victim} at t=${k.currentTime}:\n${all}`;
      expect(
        m.errors.filter((e) => e.fatal),
        why,
      ).toEqual([]);
      expect(m.currentTime, why).toBeGreaterThanOrEqual(k.currentTime + 8);
      const later = mediaFragments(m).filter((f) => f.atMs > k.atMs);
      expect(later.length, why).toBeGreaterThanOrEqual(2);
      // The fragments of the last seconds come from the survivor (one already in flight at
      // the kill may still have finished from the victim).
      expect(
        later.slice(-2).map((f) => applianceOf(f, byHost)),
        why,
      ).toEqual([survivor, survivor]);
      // The players' own steering records: manifests reloaded every TTL (both appliances in
      // the first), the pathway moved to the survivor after the kill.
      const manifests = m.steering.filter((x) => x.kind === 'manifest');
      expect(manifests.length, why).toBeGreaterThanOrEqual(2);
      expect(manifests[0]!.priority?.length, why).toBe(2);
      expect(
        m.steering.some((x) => x.kind === 'pathway' && x.pathway === survivor && x.atMs > k.atMs),
        why,
      ).toBe(true);
      const qoe = pageMetricsToQoe(m, { id: p.id, titleId, appliances: byHost });
      expect(qoe.started).toBe(true);
      expect(qoe.bytesByAppliance[victim], why).toBeGreaterThan(0);
      expect(qoe.bytesByAppliance[survivor], why).toBeGreaterThan(0);
      expect(qoe.errors).toEqual([]);
    });
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
