// The pure parts of chaos: orders against what runs (reconcile), a fault's local end time,
// the token bucket's pacing, and cutting a body into pieces (the throttle's and the reset's).
import type { ChaosFault } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { endsAt, reconcile } from '../src/chaos/reconcile.js';
import { TokenBucket } from '../src/chaos/token-bucket.js';
import { PartCursor, truncateParts } from '../src/sendfile/part-cursor.js';

const fault = (experimentId: string, remainingMs = 1000): ChaosFault => ({
  experimentId,
  kind: 'latency',
  params: { delayMs: 10 },
  remainingMs,
});

describe('reconcile', () => {
  it('starts what is listed and not running, keeps what runs, aborts what is no longer listed', () => {
    const plan = reconcile(new Set(['a', 'b']), new Set(), [fault('b'), fault('c')]);
    expect(plan.start.map((f) => f.experimentId)).toEqual(['c']);
    expect(plan.keep.map((f) => f.experimentId)).toEqual(['b']);
    expect(plan.abort).toEqual(['a']);
  });

  it('never starts again what ran its time here, nor what has no time left; one entry per id', () => {
    const plan = reconcile(new Set(), new Set(['done']), [
      fault('done'),
      fault('zero', 0),
      fault('x'),
      fault('x'),
    ]);
    expect(plan.start.map((f) => f.experimentId)).toEqual(['x']);
    expect(plan.abort).toEqual([]);
  });

  it('empty orders abort everything', () => {
    expect(reconcile(new Set(['a']), new Set(), []).abort).toEqual(['a']);
  });
});

describe('endsAt', () => {
  it('takes the time the orders spent on the way off, but never adds time for a clock behind', () => {
    expect(endsAt(10_000, 9_000, 5_000)).toBe(14_000);
    expect(endsAt(10_000, 12_000, 5_000)).toBe(15_000);
    expect(endsAt(10_000, 1_000, 5_000)).toBe(10_000);
  });
});

describe('TokenBucket', () => {
  it('lets a burst go at once, then paces at the rate', () => {
    let now = 0;
    const b = new TokenBucket(1000, 100, () => now);
    expect(b.take(100)).toBe(0);
    expect(b.take(100)).toBeCloseTo(100);
    now = 100;
    expect(b.take(50)).toBeCloseTo(50);
    now = 1000;
    // Idle time saves up at most the burst.
    expect(b.take(100)).toBe(0);
    expect(b.take(1)).toBeCloseTo(1);
  });
});

describe('PartCursor', () => {
  const parts = [
    { kind: 'bytes' as const, data: Buffer.from('head') },
    { kind: 'file' as const, offset: 100, length: 10 },
    { kind: 'bytes' as const, data: Buffer.from('tail') },
  ];

  it('hands out consecutive pieces across part boundaries', () => {
    const c = new PartCursor(parts);
    expect(c.remaining).toBe(18);
    expect(c.take(6)).toEqual([
      { kind: 'bytes', data: Buffer.from('head') },
      { kind: 'file', offset: 100, length: 2 },
    ]);
    expect(c.take(9)).toEqual([
      { kind: 'file', offset: 102, length: 8 },
      { kind: 'bytes', data: Buffer.from('t') },
    ]);
    expect(c.rest()).toEqual([{ kind: 'bytes', data: Buffer.from('ail') }]);
    expect(c.remaining).toBe(0);
    expect(c.take(5)).toEqual([]);
  });

  it('gives the list itself when nothing was taken, and truncates to the first n bytes', () => {
    expect(new PartCursor(parts).rest()).toBe(parts);
    expect(truncateParts(parts, 9)).toEqual([
      { kind: 'bytes', data: Buffer.from('head') },
      { kind: 'file', offset: 100, length: 5 },
    ]);
  });
});
