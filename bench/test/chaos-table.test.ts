import type { ExperimentAnalysis } from '@ferry/client-sim';
import { describe, expect, it } from 'vitest';
import { chaosTable, killComparison } from '../src/chaos/table.js';
import { renderText } from '../src/common/format.js';

const analysis = (o: Partial<ExperimentAnalysis>): ExperimentAnalysis => ({
  id: 'x',
  kind: 'kill',
  targets: ['east-3'],
  startMs: 0,
  endMs: 8000,
  settleMs: 5000,
  viewers: 30,
  affected: 10,
  affectedAtStart: 10,
  stalls: { count: 0, ms: 0, sessions: 0 },
  affectedStalls: { count: 0, ms: 0, sessions: 0 },
  failovers: 10,
  failoversFromTargets: 10,
  failedSegments: 0,
  errors: 0,
  bitrate: { sessions: 10, beforeMbps: 10, duringMbps: 8, dropMbps: 2, dropPercent: 20 },
  moved: { count: 10, min: 1, p50: 2, p95: 3, p99: 3, max: 3, mean: 2 } as ExperimentAnalysis['moved'],
  allMovedMs: 900,
  idle: 0,
  recovered: 10,
  recoveryMs: 1200,
  detectionMs: 1500,
  appliedAfterMs: 400,
  ...o,
});

describe('bench chaos tables', () => {
  it('prints a row per experiment with its figures', () => {
    const text = renderText(
      chaosTable([
        { label: 'latency east-1', analysis: analysis({ kind: 'latency', detectionMs: null }) },
        { label: 'kill east-3', analysis: analysis({}), exitAfterMs: 650 },
      ]),
    );
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(
      /^latency east-1\s+400 ms\s+n\/a\s+10\s+900 ms\s+1200 ms\s+0\s+10\s+2\.00 Mb\/s \(20 %\)$/,
    );
    // For a kill the process's exit is what "applied" means.
    expect(lines[3]).toMatch(/^kill east-3\s+650 ms\s+1500 ms/);
  });

  it('puts the kill through control beside the kill from outside, as ratios', () => {
    const rows = killComparison(
      analysis({ detectionMs: 2000, failovers: 5, stalls: { count: 1, ms: 300, sessions: 1 } }),
      analysis({ detectionMs: 1000, failovers: 10 }),
      600,
    ).rows;
    const byName = new Map(rows.map((r) => [r[0], r]));
    expect(byName.get('detected after')?.[3]).toBe('2.00x');
    // From the process's exit, the order's way to the appliance left out.
    expect(rows[1]).toEqual(['  counted from the exit', '1400 ms', '1000 ms', '1.40x']);
    expect(byName.get('failed fetches')?.[3]).toBe('0.50x');
    // Nothing to divide by: the extra stall is shown as a count.
    expect(byName.get('stalls')?.[3]).toBe('+1');
    expect(byName.get('viewers affected')?.[3]).toBe('1.00x');
  });
});
