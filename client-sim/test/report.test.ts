import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, summarize, timeSeries } from '../src/report/aggregate.js';
import { renderHtml } from '../src/report/html.js';
import { distribution, percentile } from '../src/report/percentiles.js';
import { writeReport } from '../src/report/write.js';
import { qoe as session } from './support-qoe.js';

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
