import { describe, expect, it } from 'vitest';
import { comparePref, type PathPref, pathPref, prefClasses } from '../src/route-pref.js';

const p = (over: Partial<PathPref> = {}): PathPref => ({
  localPref: 100,
  asPathLength: 2,
  origin: 0,
  med: 0,
  neighborAs: 1,
  ...over,
});

describe('route preference', () => {
  it('reads a feed route with the defaults for what it lacks (AS_SET counts as one)', () => {
    expect(pathPref({ asPath: [65001, [65002, 65003]], origin: 'egp' })).toEqual({
      localPref: 100,
      asPathLength: 2,
      origin: 1,
      med: 0,
      neighborAs: 65001,
    });
    expect(pathPref({ asPath: [[7, 8]], localPref: 5, med: 9 })).toMatchObject({
      neighborAs: 7,
      asPathLength: 1,
    });
    expect(pathPref({})).toMatchObject({ asPathLength: 0, neighborAs: 0 });
  });

  it('orders as BGP: local-pref, path length, origin, MED of the same neighbour only', () => {
    expect(comparePref(p({ localPref: 200 }), p({ asPathLength: 1 }))).toBeLessThan(0);
    expect(comparePref(p({ asPathLength: 1 }), p({ origin: 0 }))).toBeLessThan(0);
    expect(comparePref(p({ origin: 1 }), p({ origin: 2, med: 0 }))).toBeLessThan(0);
    expect(comparePref(p({ med: 5 }), p({ med: 9 }))).toBeLessThan(0);
    expect(comparePref(p({ med: 5 }), p({ med: 9, neighborAs: 2 }))).toBe(0);
  });

  it('groups into classes, a MED beaten within its neighbour one class later', () => {
    const items = [
      { id: 'a', p: p({ med: 50 }) },
      { id: 'b', p: p({ med: 10 }) },
      { id: 'c', p: p({ med: 90, neighborAs: 2 }) },
      { id: 'd', p: p({ med: 70 }) },
      { id: 'e', p: p({ localPref: 50 }) },
    ];
    const classes = prefClasses(items, (i) => i.p).map((cls) => cls.map((i) => i.id));
    expect(classes).toEqual([['b', 'c'], ['a'], ['d'], ['e']]);
  });
});
