import { describe, expect, it } from 'vitest';
import { CASES, planRequests } from '../src/dataplane/load-plan.js';
import {
  clientBoundNotes,
  isValidRun,
  type Sample,
  summarize,
  summaryTable,
} from '../src/dataplane/report.js';
import { parseGauge } from '../src/dataplane/servers.js';
import type { LoadResult } from '../src/dataplane/wrk.js';

function result(reqPerSec: number, extra: Partial<LoadResult> = {}): LoadResult {
  return {
    requests: reqPerSec * 3,
    durationSec: 3,
    reqPerSec,
    bytesPerSec: reqPerSec * 1000,
    bytesRead: 0,
    p99Ms: 10,
    errors: 0,
    non2xx: 0,
    ...extra,
  };
}

function sample(
  server: Sample['server'],
  round: number,
  r: LoadResult | null,
  tool: Sample['tool'] = 'wrk',
): Sample {
  return {
    caseName: CASES[0]!.name,
    tool,
    server,
    round,
    result: r,
    eventLoopP99Ms: server === 'nginx' ? null : 5 + round,
  };
}

describe('planRequests', () => {
  const files = [
    { id: 'small', size: 1000 },
    { id: 'a', size: 10 * 65536 + 5 },
    { id: 'b', size: 3 * 65536 },
  ];

  it('uses only files that hold a whole range and aligns ranges to their size', () => {
    const plan = planRequests({ files, rangeBytes: 65536, count: 200, seed: 1 });
    expect(plan).toHaveLength(200);
    for (const r of plan) {
      expect(r.path).toMatch(/^\/v1\/c\/(a|b)$/);
      const [first, last] = r.range.replace('bytes=', '').split('-').map(Number) as [number, number];
      expect(first % 65536).toBe(0);
      expect(last - first + 1).toBe(65536);
      expect(last).toBeLessThan(r.path.endsWith('a') ? 10 * 65536 + 5 : 3 * 65536);
    }
    expect(new Set(plan.map((r) => r.range)).size).toBeGreaterThan(3);
  });

  it('is the same sequence for the same seed', () => {
    expect(planRequests({ files, rangeBytes: 65536, count: 50, seed: 7 })).toEqual(
      planRequests({ files, rangeBytes: 65536, count: 50, seed: 7 }),
    );
  });

  it('refuses when no file is large enough', () => {
    expect(() => planRequests({ files, rangeBytes: 2 ** 30, count: 1, seed: 1 })).toThrow(/at least/);
  });
});

describe('summarize', () => {
  it('takes medians over valid rounds and divides Ferry by nginx', () => {
    const samples = [
      sample('nginx', 1, result(1000)),
      sample('nginx', 2, result(1200)),
      sample('nginx', 3, result(900)),
      sample('ferry-sendfile', 1, result(500)),
      sample('ferry-sendfile', 2, result(600)),
      sample('ferry-sendfile', 3, result(9999, { non2xx: 5 })),
    ];
    const rows = summarize(samples, [CASES[0]!], ['wrk']);
    const rps = rows.find((r) => r.path === 'sendfile' && r.measure === 'req/s')!;
    expect(rps.nginx).toBe(1000);
    expect(rps.ferry).toBe(550);
    expect(rps.ratio).toBeCloseTo(0.55);
    const loop = rows.find((r) => r.path === 'sendfile' && r.measure === 'event-loop p99')!;
    expect(loop.ferry).toBe(6.5);
    expect(loop.nginx).toBeNull();
    const copy = rows.filter((r) => r.path === 'copy');
    expect(copy.every((r) => r.ferry === null && r.ratio === null)).toBe(true);
  });

  it('renders one table row per case, tool, path and measure', () => {
    const rows = summarize(
      [
        sample('nginx', 1, result(1000)),
        sample('node-http', 1, result(900)),
        sample('ferry-copy', 1, result(800)),
      ],
      [CASES[0]!],
      ['wrk'],
    );
    const table = summaryTable(rows);
    expect(table.headers).toEqual([
      'case',
      'tool',
      'path',
      'measure',
      'Ferry',
      'nginx',
      'ratio',
      'node:http',
      'vs node:http',
      'node:http/nginx',
    ]);
    expect(table.rows).toHaveLength(8);
    expect(table.rows).toContainEqual([
      CASES[0]!.name,
      'wrk',
      'copy',
      'req/s',
      '800 req/s',
      '1.00k req/s',
      '0.80x',
      '900 req/s',
      '0.89x',
      '0.90x',
    ]);
    expect(table.rows).toContainEqual([
      CASES[0]!.name,
      'wrk',
      'sendfile',
      'event-loop p99',
      'n/a',
      '-',
      'n/a',
      '-',
      'n/a',
      'n/a',
    ]);
  });

  it('treats runs with wrong answers or many socket errors as invalid', () => {
    expect(isValidRun(result(10))).toBe(true);
    expect(isValidRun(result(10, { non2xx: 1 }))).toBe(false);
    expect(isValidRun(result(1000, { errors: 10 }))).toBe(false);
    expect(isValidRun(result(0))).toBe(false);
    expect(isValidRun(null)).toBe(false);
  });

  it('says when autocannon, not the server, was the limit', () => {
    const notes = clientBoundNotes(
      [sample('nginx', 1, result(30), 'autocannon'), sample('nginx', 1, result(1000), 'wrk')],
      [CASES[0]!],
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/bound by the load client/);
  });
});

describe('parseGauge', () => {
  const text = [
    '# HELP ferry_event_loop_delay_p99_seconds Event-loop delay p99',
    '# TYPE ferry_event_loop_delay_p99_seconds gauge',
    'ferry_event_loop_delay_p99_seconds_total 9',
    'ferry_event_loop_delay_p99_seconds 0.0123',
  ].join('\n');

  it('reads an unlabelled gauge by exact name, scaled', () => {
    expect(parseGauge(text, 'ferry_event_loop_delay_p99_seconds', 1000)).toBeCloseTo(12.3);
  });

  it('returns null when the metric is absent', () => {
    expect(parseGauge(text, 'ferry_missing')).toBeNull();
  });
});
