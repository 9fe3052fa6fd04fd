import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, summarize, timeSeries } from '../src/report/aggregate.js';
import { renderHtml } from '../src/report/html.js';
import { distribution, percentile } from '../src/report/percentiles.js';
import { writeReport } from '../src/report/write.js';
import { download, qoe as session } from './support-qoe.js';

describe('percentiles', () => {
  it('uses nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile([], 50)).toBe(0);
    expect(distribution([3, 1, 2])).toMatchObject({ count: 3, min: 1, p50: 2, max: 3, mean: 2 });
  });
});

describe('fleet aggregation', () => {
  const sessions = [
    session({
      id: 'a',
      startupMs: 400,
      bytes: 3000,
      bytesByAppliance: { e1: 2000, e2: 1000 },
      downloads: [
        { atMs: 1000, applianceId: 'e1', bytes: 2000, durationMs: 1000, bitrate: 1, segment: 0 },
        { atMs: 2500, applianceId: 'e2', bytes: 1000, durationMs: 0, bitrate: 1, segment: 1 },
      ],
      failovers: 1,
      failoverMarks: [{ atMs: 2400, from: 'e1', to: 'e2', reason: 'error', detail: 'x' }],
    }),
    session({
      id: 'b',
      startedAt: 1_001_000,
      startupMs: 900,
      stallCount: 1,
      stallMs: 1500,
      playedSec: 1.5,
      stalls: [{ startMs: 1000, endMs: 2500 }],
      errors: [{ atMs: 10, code: 'FERRY_ERR_SIM_SEGMENT', message: 'm' }],
    }),
    session({ id: 'c', started: false, startupMs: undefined }),
  ];

  it('summarizes started sessions and totals all', () => {
    const s = summarize(sessions);
    expect(s).toMatchObject({ sessions: 3, started: 2, failovers: 1, steers: 3, bytes: 3000 });
    expect(s.startFailureRatio).toBeCloseTo(1 / 3);
    expect(s.startupMs).toMatchObject({ p50: 400, max: 900 });
    expect(s.rebufferRatio.max).toBeCloseTo(0.5);
    expect(s.bytesByAppliance).toEqual({ e1: 2000, e2: 1000 });
    expect(s.errorsByCode).toEqual({ FERRY_ERR_SIM_SEGMENT: 1 });
  });

  it('buckets throughput per appliance, stalls and failovers on one timeline', () => {
    const t = timeSeries(sessions, 1000);
    expect(t.startedAt).toBe(1_000_000);
    // Session b starts 1 s later and lasts 4 s: five buckets.
    expect(t.stalledSessions).toEqual([0, 0, 1, 1, 0]);
    expect(t.throughputByAppliance['e1']).toEqual([16_000, 0, 0, 0, 0]);
    expect(t.throughputByAppliance['e2']).toEqual([0, 0, 8000, 0, 0]);
    expect(t.failovers).toEqual([{ atMs: 2400, session: 'a', from: 'e1', to: 'e2', reason: 'error' }]);
  });

  it('renders a self-contained HTML page with the charts and the data', async () => {
    const report = buildReport(sessions);
    const html = renderHtml(report, 'Test <run>');
    expect(html).toContain('<svg');
    expect(html).toContain('Test &#60;run&#62;');
    expect(html).toContain('e1 → e2 (error)');
    expect(html).not.toMatch(/<(link|img)\b|<script src|https?:\/\/(?!www\.w3\.org)/);
    const embedded = html.match(/<script type="application\/json" id="ferry-report">(.*)<\/script>/s)?.[1];
    expect(JSON.parse(embedded!).summary.sessions).toBe(3);

    const dir = mkdtempSync(join(tmpdir(), 'ferry-report-'));
    try {
      const out = await writeReport(report, join(dir, 'sim.html'));
      expect(out.json).toBe(join(dir, 'sim.json'));
      expect(JSON.parse(readFileSync(out.json, 'utf8')).summary.started).toBe(2);
      expect(readFileSync(out.html, 'utf8')).toContain('<!doctype html>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('QoE charts and tables', () => {
  const T0 = 2_000_000;
  const net = (profile: string) => ({ profile, downBps: 5e6, rttMs: 30 });
  const sessions = [
    session({
      id: 'm1',
      startedAt: T0,
      network: net('mobile'),
      startupMs: 1800,
      avgBitrate: 800_000,
      durationMs: 10_000,
      playedSec: 8,
      stalls: [{ startMs: 5000, endMs: 6000 }],
      downloads: [download(2000, 'east-1', 800_000), download(4000, 'east-1', 800_000)],
    }),
    session({
      id: 'c1',
      startedAt: T0 + 500,
      network: net('cable'),
      startupMs: 400,
      avgBitrate: 6_000_000,
      durationMs: 9000,
      playedSec: 8.5,
      downloads: [download(1000, 'west-1', 6_000_000), download(6000, 'east-1', 6_000_000)],
      failoverMarks: [{ atMs: 5500, from: 'west-1', to: 'east-1', reason: 'error', detail: 'refused' }],
      failedFetches: 1,
      retries: 1,
    }),
    session({
      id: 'c2',
      startedAt: T0 + 900,
      network: net('cable'),
      started: false,
      startupMs: undefined,
      endReason: 'start-failed',
    }),
    session({ id: 'u1', startedAt: T0 + 1000, startupMs: 700, avgBitrate: 3_000_000 }),
  ];
  const report = buildReport(sessions, {
    events: [{ atMs: T0 + 5000, kind: 'kill', label: 'kill -9 west-1', applianceId: 'west-1' }],
    chaos: { healthChanges: [{ applianceId: 'west-1', atMs: T0 + 6500, to: 'unreachable' }] },
  });
  const html = renderHtml(report, 'qoe');
  const svgs = html
    .split('<svg')
    .slice(1)
    .map((s) => s.slice(0, s.indexOf('</svg>')));

  it('carries the CTA-2066 figures and the timeline data in the report', () => {
    expect(report.qoe.overall).toMatchObject({ sessions: 4, attempts: 4, plays: 3, vsf: 1 });
    expect(Object.keys(report.qoe.byNetwork)).toEqual(['cable', 'mobile', 'unknown']);
    expect(report.series.events.map((e) => [e.atMs, e.kind])).toEqual([
      [5000, 'kill'],
      [6500, 'health'],
    ]);
    const sum = report.series.deliveredBps.reduce((a, b) => a + b, 0);
    const perAppliance = Object.values(report.series.throughputByAppliance)
      .flat()
      .reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(perAppliance, 6);
  });

  it('draws three CDFs with a legend line per network profile and tick labels in units', () => {
    const cdfs = svgs.filter((s) => s.includes('class="cdf"'));
    expect(cdfs).toHaveLength(3);
    for (const c of cdfs) {
      const legend = [...c.matchAll(/<g class="legend">.*?<text[^>]*>([^<]*)<\/text><\/g>/gs)].map(
        (m) => m[1],
      );
      // Only sessions that played: cable has one, mobile one, unknown one.
      expect(legend).toEqual(['cable (1 session)', 'mobile (1 session)', 'unknown (1 session)']);
      expect((c.match(/<polyline/g) ?? []).length).toBe(3);
      expect(c).toContain('>100 %</text>');
    }
    const ticks = (c: string) =>
      [...c.matchAll(/<text class="tick[^"]*"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(ticks(cdfs[0]!)).toContain('2 s');
    expect(ticks(cdfs[0]!).every((t) => / (ms|s|min)$/.test(t!))).toBe(true);
    expect(ticks(cdfs[1]!).every((t) => / %$/.test(t!))).toBe(true);
    expect(ticks(cdfs[2]!)).toContain('6 Mb/s');
    expect(ticks(cdfs[2]!).every((t) => / (b|kb|Mb|Gb)\/s$/.test(t!))).toBe(true);
  });

  it('draws the timeline with the kill and health change marked, and the load per appliance', () => {
    const timeline = svgs.find((s) => s.includes('class="timeline"'))!;
    expect(timeline).toContain('delivered bitrate');
    expect(timeline).toContain('viewers stalled');
    const events = [...timeline.matchAll(/<g class="event">.*?<text[^>]*>([^<]*)<\/text><\/g>/gs)].map(
      (m) => m[1],
    );
    expect(events).toEqual(['kill -9 west-1', 'west-1 unreachable']);
    expect(timeline).toMatch(/<text class="tick value-tick"[^>]*>\d+(\.\d+)? Mb\/s<\/text>/);
    const load = svgs.find((s) => s.includes('Load per appliance'))!;
    expect(load).toContain('>east-1</text>');
    expect(load).toContain('>west-1</text>');
    expect(load).toContain('west-1 → east-1 (error)');
  });

  it('has a QoE table per network with VSF, startup and the fetch counts, and a note under each chart', () => {
    const table = html.match(/<table class="qoe qoe-network">(.*?)<\/table>/s)![1]!;
    const row = (g: string) =>
      [
        ...(table.match(new RegExp(`<tr data-group="${g}">(.*?)</tr>`))?.[1] ?? '').matchAll(
          /<td>([^<]*)<\/td>/g,
        ),
      ].map((m) => m[1]);
    // cable: 2 sessions, 1 played; VSF 1 of 2 attempts; VST 400 ms; no rebuffering; 6 Mb/s; 1 failed, 1 retry.
    expect(row('cable')).toEqual([
      '2 / 1',
      '50 % (1)',
      '0 % (0)',
      '400 ms',
      '400 ms',
      '0 %',
      '0.0',
      '6 Mb/s',
      expect.any(String),
      '1',
      '1',
      '0',
    ]);
    // mobile: 1 s rebuffering over 8 s played + 1 s.
    expect(row('mobile')[5]).toBe('11.1 %');
    expect(row('all viewers')[0]).toBe('4 / 3');
    expect(html).toContain('<table class="qoe qoe-title">');
    expect((html.match(/<p class="note">/g) ?? []).length).toBeGreaterThanOrEqual(6);
  });

  it('has no NaN, undefined or Infinity in its text, even for an empty run', () => {
    const text = (h: string) => h.replace(/<script[\s\S]*?<\/script>/g, '');
    for (const h of [html, renderHtml(buildReport([]), 'empty')]) {
      expect(text(h)).not.toMatch(/NaN|undefined|Infinity/);
    }
    expect(renderHtml(buildReport([]), 'empty')).toContain('no sessions to show');
  });
});
