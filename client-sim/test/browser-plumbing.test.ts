// hls.js and dash.js in headless Chromium play a short ffmpeg-made stream from a loopback
// server; the page's metrics and their QoE are read back. Needs ffmpeg and /usr/bin/chromium
// (scripts/install-system-deps.sh installs both); without them the test fails.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPlayers, type PageMetrics, pageMetricsToQoe } from '../src/browser/index.js';
import { makeStreams, servedStreams, waitFor } from './browser-support.js';

describe('browser players (plumbing: ffmpeg streams, no Ferry)', () => {
  let dir: string;
  let players: BrowserPlayers;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-browser-'));
    await makeStreams(dir, 20);
    players = await BrowserPlayers.launch({ extra: await servedStreams(dir) });
  }, 180_000);

  afterAll(async () => {
    await players?.close();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('serves only the files in its table', async () => {
    const base = players.server.origin;
    expect((await fetch(`${base}/player.js`)).status).toBe(200);
    expect((await fetch(`${base}/lib/hls.min.js`)).status).toBe(200);
    expect((await fetch(`${base}/lib/dash.all.min.js`)).status).toBe(200);
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/page/player.js', '/media/hls/', '/lib/']) {
      expect((await fetch(`${base}${p}`)).status, p).toBe(404);
    }
    expect((await fetch(`${base}/player.js`, { method: 'POST' })).status).toBe(405);
  });

  for (const [player, src] of [
    ['hls', '/media/hls/index.m3u8'],
    ['dash', '/media/dash/manifest.mpd'],
  ] as const) {
    it(`plays with ${player}`, async () => {
      const p = await players.open({ player, src });
      const m = await waitFor<PageMetrics>(async () => {
        const now = await p.metrics();
        return now.currentTime > 3 || now.errors.some((e) => e.fatal) ? now : undefined;
      }, 90_000);
      const last = m ?? (await p.metrics());
      const context = JSON.stringify({ errors: last.errors, console: p.console.slice(0, 20) });
      expect(last.currentTime, context).toBeGreaterThan(3);
      expect(
        last.errors.filter((e) => e.fatal),
        context,
      ).toEqual([]);
      expect(last.library).toMatch(player === 'hls' ? /^hls\.js 1\.7\.4$/ : /^dash\.js 5\.2\.1$/);
      expect(last.startupMs).toBeGreaterThan(0);
      const media = last.fragments.filter((f) => !f.init);
      expect(media.length).toBeGreaterThanOrEqual(2);
      expect(media.every((f) => f.bytes > 0 && f.host === new URL(players.server.origin).host)).toBe(true);
      expect(last.switches.length).toBeGreaterThanOrEqual(1);

      const qoe = pageMetricsToQoe(last, { id: p.id, titleId: 'ffmpeg-test' });
      expect(qoe.started).toBe(true);
      expect(qoe.startupMs).toBe(last.startupMs);
      expect(qoe.segments).toBe(media.filter((f) => f.kind === 'video').length);
      expect(qoe.bytes).toBeGreaterThan(0);
      expect(qoe.bytesByAppliance[new URL(players.server.origin).host]).toBe(qoe.bytes);
      expect(qoe.playedSec).toBeGreaterThan(2);
      expect(qoe.errors).toEqual([]);
      await p.page.context().close();
    }, 120_000);
  }
});
