import { describe, expect, it } from 'vitest';
import { formatRatio, formatValue, renderMarkdown, renderText } from '../src/common/format.js';
import { median, ratio } from '../src/common/stats.js';

describe('formatValue', () => {
  it('scales request rates by 1000, prints byte rates as SI bit rates and bytes in SI units', () => {
    expect(formatValue(578, 'req/s')).toBe('578 req/s');
    expect(formatValue(29_376, 'req/s')).toBe('29.4k req/s');
    expect(formatValue(1_250_000, 'req/s')).toBe('1.25M req/s');
    expect(formatValue(100, 'B/s')).toBe('800 b/s');
    expect(formatValue(512, 'B/s')).toBe('4.1 kb/s');
    expect(formatValue(125_000_000, 'B/s')).toBe('1 Gb/s');
    expect(formatValue(2 * 1024 ** 3, 'B/s')).toBe('17.2 Gb/s');
    expect(formatValue(396 * 1024 ** 2, 'B/s')).toBe('3.32 Gb/s');
    expect(formatValue(1011 * 1024 ** 2, 'B')).toBe('1.06 GB');
    expect(formatValue(820_000_000, 'B')).toBe('820 MB');
    expect(formatValue(12_345.4, 'count')).toBe('12,345.4');
    expect(formatValue(1_234_567, 'count')).toBe('1,234,567');
  });

  it('gives latency sensible precision', () => {
    expect(formatValue(0.5, 'ms')).toBe('0.50 ms');
    expect(formatValue(34.18, 'ms')).toBe('34.2 ms');
    expect(formatValue(2017, 'ms')).toBe('2017 ms');
  });

  it('prints n/a for missing values', () => {
    expect(formatValue(null, 'ms')).toBe('n/a');
    expect(formatValue(Number.NaN, 'req/s')).toBe('n/a');
    expect(formatRatio(undefined)).toBe('n/a');
  });

  it('prints ratios with two decimals and an x', () => {
    expect(formatRatio(0.5512)).toBe('0.55x');
    expect(formatRatio(1)).toBe('1.00x');
    expect(formatValue(3.509, 'x')).toBe('3.51x');
  });
});

describe('median and ratio', () => {
  it('takes the middle of odd and the mean of the middle pair of even counts, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, Number.NaN])).toBe(5);
    expect(median([])).toBeNull();
  });

  it('divides Ferry by the anchor, null when either is missing or the anchor is zero', () => {
    expect(ratio(50, 100)).toBe(0.5);
    expect(ratio(null, 100)).toBeNull();
    expect(ratio(5, null)).toBeNull();
    expect(ratio(5, 0)).toBeNull();
  });
});

describe('tables', () => {
  const table = {
    headers: ['case', 'Ferry', 'ratio'],
    rows: [
      ['a|b', '1 ms', '0.50x'],
      ['long case', '100 ms', 'n/a'],
    ],
    numeric: [1, 2],
  };

  it('aligns text columns, numbers to the right', () => {
    expect(renderText(table).split('\n')).toEqual([
      'case        Ferry  ratio',
      '---------  ------  -----',
      'a|b          1 ms  0.50x',
      'long case  100 ms    n/a',
    ]);
  });

  it('renders Markdown with right-aligned numeric columns and escaped pipes', () => {
    expect(renderMarkdown(table).split('\n')).toEqual([
      '| case | Ferry | ratio |',
      '|---|---:|---:|',
      '| a\\|b | 1 ms | 0.50x |',
      '| long case | 100 ms | n/a |',
    ]);
  });
});
