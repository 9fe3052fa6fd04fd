import { describe, expect, it } from 'vitest';
import { ExclusionList } from '../src/player/exclusion.js';
import { ManualClock } from './manual-clock.js';

const urls = [
  { rank: 1, applianceId: 'a' },
  { rank: 2, applianceId: 'b' },
  { rank: 3, applianceId: 'c' },
];

describe('appliance exclusion', () => {
  it('excludes for 5 s, doubling per further failure up to 60 s, reset by a success', () => {
    const clock = new ManualClock();
    const x = new ExclusionList(clock);
    const lengths = Array.from({ length: 6 }, () => x.fail('a', 'error').forMs);
    expect(lengths).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    x.succeed('a');
    expect(x.isExcluded('a')).toBe(false);
    expect(x.fail('a', 'timeout')).toMatchObject({
      applianceId: 'a',
      forMs: 5000,
      reason: 'timeout',
      atMs: 0,
    });
  });

  it('skips excluded URLs in rank order, and ends an exclusion on time', () => {
    const clock = new ManualClock();
    const x = new ExclusionList(clock, { baseMs: 1000, maxMs: 8000 });
    x.fail('a', 'error');
    expect(x.filter(urls)).toEqual({ usable: [urls[1], urls[2]], skipped: [urls[0]] });
    clock.advance(999);
    expect(x.isExcluded('a')).toBe(true);
    clock.advance(1);
    expect(x.isExcluded('a')).toBe(false);
    expect(x.filter(urls).usable).toEqual(urls);
  });

  it('with everything excluded, names the one whose exclusion ends first', () => {
    const clock = new ManualClock();
    const x = new ExclusionList(clock, { baseMs: 1000, maxMs: 60_000 });
    x.fail('a', 'error');
    x.fail('a', 'error'); // a: 2 s
    x.fail('b', 'error'); // b: 1 s
    clock.advance(100);
    x.fail('c', 'error'); // c: until 1.1 s
    expect(x.filter(urls).usable).toEqual([]);
    expect(x.soonest(urls)?.applianceId).toBe('b');
  });

  it('tells when an exclusion ended after a given moment (a re-steer is then due)', () => {
    const clock = new ManualClock();
    const x = new ExclusionList(clock, { baseMs: 1000, maxMs: 60_000 });
    expect(x.nextEndAfter(0)).toBeUndefined();
    x.fail('a', 'error');
    expect(x.nextEndAfter(0)).toBe(1000);
    // A steer at 1.5 s came after that end: nothing more is due.
    expect(x.nextEndAfter(1500)).toBeUndefined();
  });
});
