// The operator's units and tables: link rates as --capacity takes them, sizes and ages as
// the tables print them, and a table cut to the terminal's width.
import { describe, expect, it } from 'vitest';
import { parseRate } from '../src/parse.js';
import { renderTable } from '../src/table.js';
import { formatAgo, formatBytes, formatRate } from '../src/units.js';

describe('units', () => {
  it('reads link rates in bits/s', () => {
    expect(parseRate('10Gb/s')).toBe(10e9);
    expect(parseRate('2500Mb/s')).toBe(2.5e9);
    expect(parseRate('1.5Gbps')).toBe(1.5e9);
    expect(parseRate('800M')).toBe(800e6);
    expect(parseRate('40000000')).toBe(40e6);
    for (const bad of ['10GB/s', 'fast', '0', '-1Gb/s', '', '1e3'])
      expect(() => parseRate(bad), bad).toThrow(/expected a rate like 10Gb\/s/);
  });

  it('prints sizes, rates and ages for people', () => {
    expect(formatBytes(3_000_000)).toBe('3.0 MB');
    expect(formatBytes(42_500_000_000)).toBe('42.50 GB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatRate(2.5e9)).toBe('2.5 Gb/s');
    expect(formatRate(120e6)).toBe('120 Mb/s');
    expect(formatAgo(10_000, 13_000)).toBe('3 s ago');
    expect(formatAgo(0, 13_000)).toBe('never');
    expect(formatAgo(0 + 1, 1 + 600_000)).toBe('10 min ago');
  });
});

describe('renderTable', () => {
  const columns = [{ title: 'ID' }, { title: 'WHY', shrink: true }, { title: 'N', right: true }];
  const rows = [
    ['a-1', 'every disk has failed and nothing is served', '7'],
    ['b-22', 'ok', '1234'],
  ];

  it('aligns columns, numbers to the right', () => {
    expect(renderTable(columns, rows)).toBe(
      'ID    WHY                                             N\n' +
        'a-1   every disk has failed and nothing is served     7\n' +
        'b-22  ok                                           1234\n',
    );
  });

  it('cuts the shrinkable column to fit the width', () => {
    const out = renderTable(columns, rows, 30);
    for (const line of out.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(30);
    expect(out).toContain('every disk has fa…');
    expect(out).toMatch(/b-22 {2}ok +1234\n$/);
  });
});
