import { describe, expect, it } from 'vitest';
import { machineInfo } from '../src/common/machine.js';
import { diffDecisions, parseDecisions } from '../src/steering/decisions.js';
import type { SteerLoadResult } from '../src/steering/load.js';
import {
  cpuLine,
  cpuPerAnswerUs,
  decisionsLine,
  decisionsRateLine,
  goalNote,
  invalidRunNotes,
  type Report,
  renderReportMarkdown,
  renderReportText,
  type Sample,
  summarize,
} from '../src/steering/report.js';

function result(
  reqPerSec: number,
  p50Ms: number,
  p99Ms: number,
  extra: Partial<SteerLoadResult> = {},
): SteerLoadResult {
  return {
    requests: reqPerSec * 10,
    durationSec: 10,
    reqPerSec,
    bytesPerSec: reqPerSec * 150_000,
    bytesRead: reqPerSec * 150_000 * 10,
    p50Ms,
    p99Ms,
    errors: 0,
    non2xx: 0,
    ...extra,
  };
}

const samples: Sample[] = [
  { server: 'fastify', round: 1, result: result(1000, 30, 100), cpuSec: 0.4 },
  { server: 'ferry-control', round: 1, result: result(700, 45, 150), loopP99Ms: 20, cpuSec: 1.4 },
  { server: 'ferry-control', round: 2, result: result(800, 40, 140), loopP99Ms: 30, cpuSec: 1.6 },
  { server: 'fastify', round: 2, result: result(1200, 28, 90), cpuSec: 0.6 },
  { server: 'ferry-control', round: 3, result: result(900, 35, 120, { non2xx: 5, errors: 5 }) },
  { server: 'fastify', round: 3, result: null, error: 'autocannon: exit 1\nstack' },
];

describe('summarize', () => {
  it('takes medians over valid runs only and divides Ferry by the anchor', () => {
    const rows = summarize(samples);
    const req = rows.find((r) => r.measure === 'answers/s')!;
    expect(req.ferry).toBe(750);
    expect(req.anchor).toBe(1100);
    expect(req.ratio).toBeCloseTo(750 / 1100);
    expect(rows.find((r) => r.measure === 'p50 latency')!.ferry).toBe(42.5);
    expect(rows.find((r) => r.measure === 'event-loop p99')).toEqual({
      measure: 'event-loop p99',
      unit: 'ms',
      ferry: 25,
      anchor: null,
      ratio: null,
    });
    expect(goalNote(rows)).toBe(
      'answers/s ratio 0.68x: below the goal of 0.7x; 750 req/s per core: below the goal of 5000',
    );
    // 1.4 s / 7000 answers = 200 µs, 1.6 s / 8000 = 200 µs; the anchor 40 and 50 µs.
    expect(cpuPerAnswerUs(samples, 'ferry-control')).toBeCloseTo(200);
    expect(cpuPerAnswerUs(samples, 'fastify')).toBeCloseTo(45);
    expect(cpuLine(samples)).toBe(
      "server CPU per answer (its process's user+system time over the runs): Ferry 200 µs (5.00k req/s per core), anchor 45 µs (22.2k req/s per core); per-core goal 5000: meets",
    );
    expect(decisionsRateLine(rows, 8)).toBe(
      'ranking decisions: 6000/s (answers/s x 8 streams per answer, each ranked and signed)',
    );
    expect(invalidRunNotes(samples)).toEqual([
      'excluded: round 3, ferry-control: 5 non-2xx, 5 errors in 9000 requests',
      'excluded: round 3, fastify: autocannon: exit 1',
    ]);
  });
});

describe('decisions', () => {
  it('reads the labelled counters from Prometheus text and subtracts two scrapes', () => {
    const before = parseDecisions(
      [
        '# HELP ferry_control_steering_decisions_total Steering answers per stream',
        '# TYPE ferry_control_steering_decisions_total counter',
        'ferry_control_steering_decisions_total{decision="local-hit"} 10',
        'ferry_control_steering_decisions_total{decision="content-miss"} 2',
      ].join('\n'),
    );
    const after = parseDecisions(
      [
        'ferry_control_steering_decisions_total{decision="local-hit"} 910',
        'ferry_control_steering_decisions_total{decision="content-miss"} 102',
        'ferry_control_heartbeats_total{result="accepted"} 5',
      ].join('\n'),
    );
    const d = diffDecisions(before, after);
    expect(d).toEqual({ 'local-hit': 900, 'content-miss': 100, 'health-miss': 0, fallback: 0, none: 0 });
    expect(decisionsLine(d)).toContain('local-hit 900 (90.0%), content-miss 100 (10.0%)');
  });
});

describe('rendering', () => {
  const report: Report = {
    date: '2026-01-01T00:00:00.000Z',
    machine: machineInfo({ fastify: '5.0.0', autocannon: '8.0.0' }),
    settings: {
      appliances: 100,
      sites: 20,
      prefixes24: 1_000_000,
      tablePrefixes: 1_003_907,
      titles: 200,
      streamsPerTitle: 8,
      segmentsPerStream: 300,
      answerBytes: 3_000,
      connections: 32,
      durationSec: 10,
      rounds: 3,
    },
    decisions: { 'local-hit': 9, 'content-miss': 1, 'health-miss': 0, fallback: 0, none: 0 },
    notes: ['a note'],
    samples,
    summary: summarize(samples),
  };

  it('prints the table with machine, date, settings and notes', () => {
    const text = renderReportText(report);
    expect(text).toContain('ferry bench steering — 2026-01-01T00:00:00.000Z');
    expect(text).toMatch(/measure\s+Ferry\s+anchor\s+ratio/);
    expect(text).toMatch(/answers\/s\s+750 req\/s\s+1\.10k req\/s\s+0\.68x/);
    expect(text).toContain('ranking decisions: 6000/s');
    expect(text).toContain('100 appliances in 20 sites; 1,003,907 prefixes (1,000,000 /24s');
    // Human units: byte rates as bit rates, the answer's size in SI bytes.
    expect(text).toMatch(/bytes\/s\s+900 Mb\/s\s+1\.32 Gb\/s\s+0\.68x/);
    expect(text).toContain('answer ~3 kB;');
    expect(text).toContain('local-hit 9 (90.0%), content-miss 1 (10.0%)');
    expect(text).toMatch(/event-loop p99\s+25\.0 ms\s+-\s+n\/a/);
    expect(text).toContain('a note');
  });

  it('writes Markdown with a machine table and the summary', () => {
    const md = renderReportMarkdown(report);
    expect(md).toContain('| fastify | 5.0.0 |');
    expect(md).toContain('| measure | Ferry | anchor | ratio |');
    expect(md).toContain('| answers/s | 750 req/s | 1.10k req/s | 0.68x |');
    expect(md.endsWith('\n')).toBe(true);
  });
});
