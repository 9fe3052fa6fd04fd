import { describe, expect, it } from 'vitest';
import {
  contentRange,
  parseDecimal,
  parseRange,
  type RangeResult,
  unsatisfiedRange,
} from '../src/http/range.js';

const FULL: RangeResult = { kind: 'full' };
const UNSAT: RangeResult = { kind: 'unsatisfiable' };
const ranges = (...pairs: [number, number][]): RangeResult => ({
  kind: 'ranges',
  ranges: pairs.map(([start, end]) => ({ start, end })),
});

type Row = [header: string | undefined, size: number, expected: RangeResult];

function table(rows: Row[], maxRanges = 8): void {
  it.each(rows)('%j on %i bytes', (header, size, expected) => {
    expect(parseRange(header, size, { maxRanges })).toEqual(expected);
  });
}

describe('parseRange: single ranges', () => {
  table([
    [undefined, 1000, FULL],
    ['bytes=0-0', 1000, ranges([0, 0])],
    ['bytes=0-499', 1000, ranges([0, 499])],
    ['bytes=500-999', 1000, ranges([500, 999])],
    ['bytes=999-999', 1000, ranges([999, 999])],
    ['bytes=500-', 1000, ranges([500, 999])],
    ['bytes=0-', 1000, ranges([0, 999])],
    ['bytes=-1', 1000, ranges([999, 999])],
    ['bytes=-500', 1000, ranges([500, 999])],
    ['BYTES=0-1', 1000, ranges([0, 1])],
    ['Bytes=0-1', 1000, ranges([0, 1])],
  ]);
});

describe('parseRange: clamping (RFC 9110 §14.1.2)', () => {
  table([
    ['bytes=500-5000', 1000, ranges([500, 999])],
    ['bytes=0-9007199254740991', 1000, ranges([0, 999])],
    ['bytes=-1000', 1000, ranges([0, 999])],
    ['bytes=-5000', 1000, ranges([0, 999])],
  ]);
});

describe('parseRange: multiple ranges and whitespace (§5.6.1)', () => {
  table([
    ['bytes=0-1,5-6', 1000, ranges([0, 1], [5, 6])],
    ['bytes=0-1, 5-6', 1000, ranges([0, 1], [5, 6])],
    ['bytes=0-1 ,\t5-6', 1000, ranges([0, 1], [5, 6])],
    ['bytes= 0-1', 1000, ranges([0, 1])],
    ['bytes=0-1,,5-6,', 1000, ranges([0, 1], [5, 6])],
    ['bytes=,0-1', 1000, ranges([0, 1])],
    // order is kept when ranges do not overlap (§14.6)
    ['bytes=500-599,0-99', 1000, ranges([500, 599], [0, 99])],
    ['bytes=0-0,-1', 1000, ranges([0, 0], [999, 999])],
    ['bytes=900-,0-9', 1000, ranges([900, 999], [0, 9])],
  ]);
});

describe('parseRange: invalid syntax or unknown unit ignores Range (§14.2)', () => {
  table([
    ['', 1000, FULL],
    ['bytes', 1000, FULL],
    ['bytes=', 1000, FULL],
    ['bytes=,', 1000, FULL],
    ['bytes=-', 1000, FULL],
    ['bytes=abc', 1000, FULL],
    ['bytes=1', 1000, FULL],
    ['bytes=5-4', 1000, FULL],
    ['bytes=0-1,5-4', 1000, FULL],
    ['bytes=0-1,x', 1000, FULL],
    ['bytes=1-2-3', 1000, FULL],
    ['bytes=--1', 1000, FULL],
    ['bytes=-1-', 1000, FULL],
    ['bytes=+1-2', 1000, FULL],
    ['bytes=0x10-20', 1000, FULL],
    ['bytes=1.5-2', 1000, FULL],
    ['bytes=0 -1', 1000, FULL],
    ['bytes=0- 1', 1000, FULL],
    ['bytes =0-1', 1000, FULL],
    ['bytes;0-1', 1000, FULL],
    ['items=0-1', 1000, FULL],
    ['bytesx=0-1', 1000, FULL],
    ['=0-1', 1000, FULL],
    ['bytes=٠-١', 1000, FULL],
    // not safe integers: rejected as syntax, never parsed into imprecise floats
    ['bytes=0-9007199254740992', 1000, FULL],
    ['bytes=0-99999999999999999999', 1000, FULL],
    [`bytes=0-${'9'.repeat(400)}`, 1000, FULL],
    [`bytes=-${'1'.repeat(17)}`, 1000, FULL],
    ['bytes=00000000000000001-2', 1000, FULL],
  ]);
});

describe('parseRange: unsatisfiable (§14.1.3, §15.5.17)', () => {
  table([
    ['bytes=1000-', 1000, UNSAT],
    ['bytes=1000-2000', 1000, UNSAT],
    ['bytes=5000-5001', 1000, UNSAT],
    ['bytes=-0', 1000, UNSAT],
    ['bytes=1000-,-0,2000-3000', 1000, UNSAT],
    // unsatisfiable ranges are dropped when another one is satisfiable
    ['bytes=2000-3000,0-9', 1000, ranges([0, 9])],
    ['bytes=-0,990-', 1000, ranges([990, 999])],
  ]);
});

describe('parseRange: zero-length representation', () => {
  table([
    ['bytes=0-', 0, UNSAT],
    ['bytes=0-0', 0, UNSAT],
    ['bytes=-0', 0, UNSAT],
    // a non-zero suffix is satisfiable but cannot be framed as a 206: whole (empty) 200
    ['bytes=-1', 0, FULL],
    ['bytes=0-,-5', 0, FULL],
    ['bytes=abc', 0, FULL],
  ]);
});

describe('parseRange: overlap and count cap (§14.2, §17.15)', () => {
  table(
    [
      ['bytes=0-1,2-3,4-5', 1000, ranges([0, 1], [2, 3], [4, 5])],
      // overlapping ranges are coalesced (sorted, merged) so no byte is sent twice
      ['bytes=0-499,400-999', 1000, ranges([0, 999])],
      ['bytes=0-,0-,0-,0-', 1000, ranges([0, 999])],
      ['bytes=500-600,0-10,550-700', 1000, ranges([0, 10], [500, 700])],
      ['bytes=-100,0-', 1000, ranges([0, 999])],
      // more than maxRanges: adjacent ones merge into one
      ['bytes=0-0,1-1,2-2,3-3,4-4', 1000, ranges([0, 4])],
      // more than maxRanges and still more after coalescing: Range ignored
      ['bytes=0-0,2-2,4-4,6-6,8-8', 1000, FULL],
      // exactly maxRanges, disjoint, out of order: kept as asked
      ['bytes=8-8,6-6,4-4,2-2', 1000, ranges([8, 8], [6, 6], [4, 4], [2, 2])],
    ],
    4,
  );

  it('many small overlapping ranges collapse to one', () => {
    const header = `bytes=${Array.from({ length: 500 }, (_, i) => `${i}-${i + 10}`).join(',')}`;
    expect(parseRange(header, 1000, { maxRanges: 4 })).toEqual(ranges([0, 509]));
  });

  it('maxRanges 0 disables range support', () => {
    expect(parseRange('bytes=0-1', 1000, { maxRanges: 0 })).toEqual(FULL);
  });

  it('maxRanges 1 serves a single range and ignores two disjoint ones', () => {
    expect(parseRange('bytes=0-1', 1000, { maxRanges: 1 })).toEqual(ranges([0, 1]));
    expect(parseRange('bytes=0-1,5-6', 1000, { maxRanges: 1 })).toEqual(FULL);
    expect(parseRange('bytes=0-5,5-6', 1000, { maxRanges: 1 })).toEqual(ranges([0, 6]));
  });
});

describe('Content-Range values (§14.4)', () => {
  it('formats a satisfied range', () => {
    expect(contentRange({ start: 0, end: 499 }, 1234)).toBe('bytes 0-499/1234');
  });
  it('formats an unsatisfied range', () => {
    expect(unsatisfiedRange(1234)).toBe('bytes */1234');
    expect(unsatisfiedRange(0)).toBe('bytes */0');
  });
});

describe('parseDecimal', () => {
  it.each([
    ['0', 0],
    ['007', 7],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', undefined],
    ['', undefined],
    ['-1', undefined],
    ['1e3', undefined],
    [' 1', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseDecimal(text)).toBe(expected);
  });
});
