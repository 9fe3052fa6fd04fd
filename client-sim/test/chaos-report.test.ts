// The report with chaos experiments: a labelled band per experiment that ran on every time
// chart, placed at its wall-clock time on the charts' axis, a table per experiment with its
// figures, the refused ones listed with their refusal, and the analysis in the JSON.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../src/report/aggregate.js';
import { renderHtml } from '../src/report/html.js';
import { download, experiment, qoe } from './support-qoe.js';

const T0 = 2_000_000;

// Two viewers, the first starting 3 s before the other; 30 one-second buckets from T0.
const sessions = [
  qoe({
    id: 'a',
    startedAt: T0,
    durationMs: 30_000,
    downloads: [download(2000, 'v', 4e6), download(6000, 'v', 4e6), download(13_000, 'w', 2e6)],
    failoverMarks: [{ atMs: 12_000, from: 'v', to: 'w', reason: 'error', detail: 'refused' }],
    stalls: [{ startMs: 12_100, endMs: 12_900 }],
  }),
  qoe({
    id: 'b',
    startedAt: T0 + 3000,
    durationMs: 27_000,
    downloads: [download(1000, 'w', 4e6), download(5000, 'w', 4e6), download(19_000, 'w', 4e6)],
  }),
];

const experiments = [
  experiment({ id: 'k1', kind: 'kill', appliances: ['v'], startedAtMs: T0 + 10_000, endedAtMs: T0 + 15_000 }),
  experiment({
    id: 'l1',
    kind: 'latency',
    appliances: ['w'],
    target: { appliance: 'w' },
    params: { delayMs: 300 },
    state: 'aborted',
    abortReason: 'operator',
    startedAtMs: T0 + 18_000,
    endedAtMs: T0 + 21_000,
  }),
  experiment({
    id: 'no1',
    kind: 'site-outage',
    target: { site: 'isp-east' },
    appliances: ['v', 'w'],
    state: 'refused',
    startAtMs: T0 + 20_000,
    endsAtMs: T0 + 25_000,
    refusal: { rule: 'min-healthy', message: 'a site outage would leave no healthy appliance' },
  }),
];

/** The chart frame lineChart draws in (its defaults): a plot 690 px wide from x = 60. */
const plotX = (ms: number, totalMs: number) => 60 + (ms / totalMs) * 690;

describe('report with chaos experiments', () => {
  const report = buildReport(sessions, { experiments });
  const html = renderHtml(report, 'chaos');
  const charts = html
    .split('<svg')
    .slice(1)
    .filter((c) => c.includes('data-axis="time"'));

  it('draws a labelled band per experiment that ran on every time chart, at its time', () => {
    expect(charts).toHaveLength(2);
    for (const chart of charts) {
      const bands = [
        ...chart.matchAll(
          /<g class="band"><rect x="([\d.]+)"[^>]*width="([\d.]+)".*?<text[^>]*>([^<]*)<\/text><\/g>/gs,
        ),
      ];
      expect(bands.map((b) => b[3])).toEqual(['kill v', 'latency w']);
      // 30 buckets of 1 s from T0: the kill covers 10 s to 15 s of the axis.
      expect(Number(bands[0]![1])).toBeCloseTo(plotX(10_000, 30_000), 0);
      expect(Number(bands[0]![2])).toBeCloseTo(plotX(15_000, 30_000) - plotX(10_000, 30_000), 0);
      expect(Number(bands[1]![1])).toBeCloseTo(plotX(18_000, 30_000), 0);
      // The time axis has ticks labelled as elapsed m:ss.
      expect(
        (chart.match(/<text class="tick time-tick"[^>]*>\d+:\d\d<\/text>/g) ?? []).length,
      ).toBeGreaterThanOrEqual(4);
    }
  });

  it('has a table per experiment that ran, and lists the refused one with its refusal', () => {
    const tables = [...html.matchAll(/<table class="experiment" data-experiment="([^"]+)">(.*?)<\/table>/gs)];
    expect(tables.map((t) => t[1])).toEqual(['k1', 'l1']);
    const cell = (table: string, name: string) =>
      table.match(new RegExp(`<tr><th>${name}</th><td>([^<]*)</td></tr>`))?.[1];
    const kill = tables[0]![2]!;
    expect(cell(kill, 'affected viewers')).toMatch(/^1 \(1 fetching from a target at the start\)/);
    expect(cell(kill, 'failovers')).toMatch(/^1 /);
    expect(cell(kill, 'stalls, affected viewers')).toMatch(/^1 stall, 0\.8 s stalled, in 1 session$/);
    expect(cell(kill, 'window')).toMatch(/^10\.0 s → 15\.0 s of the run \(5\.0 s\)/);
    expect(cell(kill, 'bitrate of affected viewers')).toMatch(
      /4\.00 → 2\.00 Mb\/s: drop 2\.00 Mb\/s \(50\.0 %\)/,
    );
    expect(cell(tables[1]![2]!, 'state')).toBe('aborted: operator');
    const notRun = html.match(/<table class="not-run">(.*?)<\/table>/s)?.[1] ?? '';
    expect(notRun).toContain('site-outage site isp-east (v, w) — no1');
    expect(notRun).toContain('refused (min-healthy): a site outage would leave no healthy appliance');
  });

  it('carries each analysis in the JSON, and nothing of chaos when none was given', () => {
    const embedded = html.match(/<script type="application\/json" id="ferry-report">(.*)<\/script>/s)?.[1];
    const parsed = JSON.parse(embedded!) as typeof report;
    expect(parsed.experiments?.map((e) => [e.experiment.id, e.analysis?.affected])).toEqual([
      ['k1', 1],
      ['l1', 2],
      ['no1', undefined],
    ]);
    const plain = renderHtml(buildReport(sessions), 'plain');
    expect(plain).not.toContain('class="band"');
    expect(plain).not.toContain('Chaos experiments');
  });

  it("times each experiment's detection by the first health change on its targets inside its window", () => {
    const withHealth = buildReport(sessions, {
      experiments: [
        experiment({
          id: 'k2',
          kind: 'kill',
          appliances: ['v'],
          startedAtMs: T0 + 10_000,
          endedAtMs: T0 + 12_000,
        }),
        experiment({
          id: 'k3',
          kind: 'kill',
          appliances: ['v'],
          startedAtMs: T0 + 40_000,
          endedAtMs: T0 + 42_000,
        }),
      ],
      chaos: {
        settleMs: 1000,
        healthChanges: [
          { applianceId: 'w', atMs: T0 + 10_500, to: 'unhealthy' },
          { applianceId: 'v', atMs: T0 + 11_200, to: 'unhealthy' },
          { applianceId: 'v', atMs: T0 + 41_000, to: 'unhealthy' },
        ],
      },
    });
    const [k2, k3] = withHealth.experiments!;
    // Another appliance's change does not count; the target's does.
    expect(k2!.analysis!.detectionMs).toBe(1200);
    expect(k3!.analysis!.detectionMs).toBe(1000);
    const late = buildReport(sessions, {
      experiments: [
        experiment({
          id: 'k4',
          kind: 'kill',
          appliances: ['v'],
          startedAtMs: T0 + 1000,
          endedAtMs: T0 + 2000,
        }),
      ],
      // after the window and its settle time: a later failure's detection, not this one's
      chaos: { settleMs: 1000, healthChanges: [{ applianceId: 'v', atMs: T0 + 11_200, to: 'unhealthy' }] },
    });
    expect(late.experiments![0]!.analysis!.detectionMs).toBeNull();
  });
});
