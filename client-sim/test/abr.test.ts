import { describe, expect, it } from 'vitest';
import { bolaBufferIndex, bolaParams, minBufferForIndex } from '../src/abr/bola.js';
import { type AbrRule, chooseBitrate } from '../src/abr/choose-bitrate.js';
import { ThroughputEstimator } from '../src/abr/throughput-estimator.js';
import { throughputIndex } from '../src/abr/throughput-rule.js';

// The synthetic ladder (appliance/src/content/ladder.ts).
const LADDER = [235_000, 375_000, 750_000, 1_750_000, 3_000_000, 5_800_000, 16_000_000];
const SEGMENT_SEC = 4;
const MAX_BUFFER_SEC = 30;

interface Step {
  index: number;
  rule: AbrRule;
  bufferSec: number;
}

/** Plays `traceBps` (one network rate per segment) through the ABR with a simple buffer. */
function play(traceBps: number[]): Step[] {
  const estimator = new ThroughputEstimator();
  let bufferSec = 0;
  let lastIndex: number | undefined;
  let usingBola = false;
  let placeholderSec = 0;
  const steps: Step[] = [];
  for (const bps of traceBps) {
    // Wait for room, as a player with a full buffer does.
    bufferSec = Math.min(bufferSec, MAX_BUFFER_SEC - SEGMENT_SEC);
    const d = chooseBitrate({
      bitrates: LADDER,
      bufferSec,
      throughputBps: estimator.estimate(),
      lastIndex,
      usingBola,
      placeholderSec,
    });
    const bytes = (LADDER[d.index]! * SEGMENT_SEC) / 8;
    const downloadSec = (bytes * 8) / bps;
    estimator.add({ bytes, durationMs: downloadSec * 1000 });
    bufferSec = Math.max(0, bufferSec - downloadSec) + SEGMENT_SEC;
    steps.push({ index: d.index, rule: d.rule, bufferSec });
    lastIndex = d.index;
    usingBola = d.usingBola;
    placeholderSec = d.placeholderSec;
  }
  return steps;
}

function switches(steps: Step[]): number {
  let n = 0;
  for (let i = 1; i < steps.length; i++) if (steps[i]!.index !== steps[i - 1]!.index) n++;
  return n;
}

describe('throughput estimator', () => {
  it('has no estimate before a sample, then tracks a steady rate exactly', () => {
    const e = new ThroughputEstimator();
    expect(e.estimate()).toBeUndefined();
    for (let i = 0; i < 5; i++) e.add({ bytes: 1_000_000, durationMs: 1000 });
    expect(e.estimate()).toBeCloseTo(8_000_000, -2);
  });

  it('follows a drop faster than a rise (min of fast and slow averages)', () => {
    const drop = new ThroughputEstimator();
    for (let i = 0; i < 10; i++) drop.add({ bytes: 1_000_000, durationMs: 1000 });
    drop.add({ bytes: 100_000, durationMs: 1000 });
    const rise = new ThroughputEstimator();
    for (let i = 0; i < 10; i++) rise.add({ bytes: 100_000, durationMs: 1000 });
    rise.add({ bytes: 1_000_000, durationMs: 1000 });
    const dropFell = 8_000_000 - drop.estimate()!;
    const riseGained = rise.estimate()! - 800_000;
    expect(dropFell).toBeGreaterThan(riseGained);
  });

  it('ignores empty samples', () => {
    const e = new ThroughputEstimator();
    e.add({ bytes: 0, durationMs: 10 });
    expect(e.estimate()).toBeUndefined();
  });
});

describe('throughput rule', () => {
  it('picks the highest rung under 0.9 × estimate', () => {
    expect(throughputIndex(LADDER, undefined)).toBe(0);
    expect(throughputIndex(LADDER, 100_000)).toBe(0);
    expect(throughputIndex(LADDER, 3_400_000)).toBe(4);
    expect(throughputIndex(LADDER, 3_300_000)).toBe(3);
    expect(throughputIndex(LADDER, 1e9)).toBe(6);
  });
});

describe('BOLA', () => {
  it('prefers higher rungs as the buffer grows, the top at the target level', () => {
    const p = bolaParams(LADDER);
    let last = 0;
    for (let b = 0; b <= 30; b += 0.5) {
      const i = bolaBufferIndex(LADDER, b, p);
      expect(i).toBeGreaterThanOrEqual(last);
      last = i;
    }
    expect(bolaBufferIndex(LADDER, 0, p)).toBe(0);
    expect(bolaBufferIndex(LADDER, p.targetSec + 0.1, p)).toBe(LADDER.length - 1);
  });

  it('chooses rung q exactly from its minimum buffer level', () => {
    const p = bolaParams(LADDER);
    for (let q = 1; q < LADDER.length; q++) {
      const level = minBufferForIndex(LADDER, q, p);
      expect(bolaBufferIndex(LADDER, level + 1e-6, p)).toBeGreaterThanOrEqual(q);
      expect(bolaBufferIndex(LADDER, level - 1e-3, p)).toBeLessThan(q);
    }
  });
});

describe('chooseBitrate on scripted throughput traces', () => {
  it('starts at the lowest rung', () => {
    const d = chooseBitrate({
      bitrates: LADDER,
      bufferSec: 0,
      throughputBps: undefined,
      lastIndex: undefined,
      usingBola: false,
      placeholderSec: 0,
    });
    expect(d).toMatchObject({ index: 0, rule: 'throughput', usingBola: false });
    expect(d.reason).toMatch(/lowest/);
  });

  it('climbs as throughput rises', () => {
    const trace = [...Array(10).fill(1_000_000), ...Array(10).fill(5_000_000), ...Array(20).fill(40_000_000)];
    const steps = play(trace);
    expect(steps[0]!.index).toBe(0);
    expect(steps[9]!.index).toBeLessThanOrEqual(2);
    expect(steps.at(-1)!.index).toBe(LADDER.length - 1);
    // Never steps down while the network only gets better.
    for (let i = 1; i < steps.length; i++)
      expect(steps[i]!.index).toBeGreaterThanOrEqual(steps[i - 1]!.index);
  });

  it('steps down after a drop and does not stall on the lowered rung', () => {
    const trace = [...Array(20).fill(8_000_000), ...Array(20).fill(1_000_000)];
    const steps = play(trace);
    const before = steps[19]!.index;
    expect(before).toBeGreaterThanOrEqual(4);
    const after = steps.slice(20);
    expect(after.at(-1)!.index).toBeLessThanOrEqual(2);
    expect(after.some((s) => s.index < before)).toBe(true);
    // The rung settles at one the 1 Mb/s network sustains: the last ten segments hold a
    // buffer above zero.
    for (const s of steps.slice(30)) expect(s.bufferSec).toBeGreaterThan(SEGMENT_SEC);
  });

  it('does not oscillate on a steady trace', () => {
    for (const bps of [600_000, 2_500_000, 8_000_000, 50_000_000]) {
      const steps = play(Array(60).fill(bps));
      expect(switches(steps.slice(15)), `steady ${bps}`).toBe(0);
    }
  });

  it('hands over to BOLA once the buffer is full, and keeps the rung it had', () => {
    const steps = play(Array(40).fill(8_000_000));
    expect(steps[0]!.rule).toBe('throughput');
    expect(steps.at(-1)!.rule).toBe('bola');
    const firstBola = steps.findIndex((s) => s.rule === 'bola');
    expect(steps[firstBola]!.index).toBeGreaterThanOrEqual(steps[firstBola - 1]!.index);
  });

  it('has hysteresis between the rules', () => {
    const base = { bitrates: LADDER, throughputBps: 5e6, lastIndex: 4, placeholderSec: 0 };
    expect(chooseBitrate({ ...base, bufferSec: 9, usingBola: false }).rule).toBe('throughput');
    expect(chooseBitrate({ ...base, bufferSec: 9, usingBola: true }).rule).toBe('bola');
    expect(chooseBitrate({ ...base, bufferSec: 13, usingBola: false }).rule).toBe('bola');
    expect(chooseBitrate({ ...base, bufferSec: 5, usingBola: true }).rule).toBe('throughput');
  });
});
