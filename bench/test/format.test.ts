import { describe, expect, it } from 'vitest';
import { formatRatio, formatValue, renderMarkdown, renderText } from '../src/common/format.js';
import { median, ratio } from '../src/common/stats.js';

describe('formatValue', () => {
  it('scales request rates by 1000 and byte rates by 1024', () => {
    expect(formatValue(578, 'req/s')).toBe('578 req/s');
    expect(formatValue(29_376, 'req/s')).toBe('29.4k req/s');
    expect(formatValue(1_250_000, 'req/s')).toBe('1.25M req/s');
    expect(formatValue(512, 'B/s')).toBe('512 B/s');
    expect(formatValue(2 * 1024 ** 3, 'B/s')).toBe('2.00 GiB/s');
    expect(formatValue(396 * 1024 ** 2, 'B/s')).toBe('396 MiB/s');
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
