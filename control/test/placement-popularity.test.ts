// Popularity with exponential decay (placement/popularity.ts) and replica counts with
// hysteresis (placement/replicas.ts).
import { describe, expect, it } from 'vitest';
import { Popularity } from '../src/placement/popularity.js';
import { idealReplicas, replicaCount } from '../src/placement/replicas.js';

const HOUR = 3_600_000;

describe('Popularity', () => {
  it('halves every half-life', () => {
    const p = new Popularity(HOUR, 0);
    p.add('s', 'f', 1000, 0);
    expect(p.value('s', 'f', 0)).toBeCloseTo(1000);
    expect(p.value('s', 'f', HOUR)).toBeCloseTo(500);
    expect(p.value('s', 'f', 3 * HOUR)).toBeCloseTo(125);
  });

  it('weighs a recent byte more than an old one, per site', () => {
    const p = new Popularity(HOUR, 0);
    p.add('s', 'old', 1000, 0);
    p.add('s', 'new', 600, HOUR);
    p.add('t', 'old', 1, HOUR);
    const s = p.snapshot().sites.get('s')!;
    expect(s.get('new')! > s.get('old')!).toBe(true);
    expect(p.value('s', 'old', HOUR)).toBeCloseTo(500);
    expect(p.value('t', 'old', HOUR)).toBeCloseTo(1);
  });

  it('stays exact over thousands of half-lives (the scale is moved back)', () => {
    const p = new Popularity(1000, 0);
    p.add('s', 'f', 1e6, 0);
    const later = 2000 * 1000;
    p.add('s', 'g', 1, later);
    expect(p.value('s', 'g', later)).toBeCloseTo(1);
    expect(Number.isFinite(p.snapshot().sites.get('s')!.get('g')!)).toBe(true);
    expect(p.value('s', 'f', later)).toBe(0);
  });

  it("counts the catalog's base in every site and forgets files no longer in the catalog", () => {
    const p = new Popularity(HOUR, 0);
    p.setBase('f', 100, 0);
    p.add('s', 'g', 100, 0);
    expect(p.value('any', 'f', HOUR)).toBeCloseTo(50);
    p.retain(new Set(['f']));
    expect(p.value('s', 'g', 0)).toBe(0);
    expect(p.value('s', 'f', 0)).toBeCloseTo(100);
  });

  it('ignores what is not a positive number of bytes', () => {
    const p = new Popularity(HOUR, 0);
    for (const b of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) p.add('s', 'f', b, 0);
    expect(p.value('s', 'f', 0)).toBe(0);
  });
});

describe('replicaCount', () => {
  const rule = { appliances: 8, top: 1000, hysteresis: 0.25 };

  it.each([
    { popularity: 1000, previous: undefined, replicas: 8 },
    { popularity: 500, previous: undefined, replicas: 4 },
    { popularity: 1, previous: undefined, replicas: 1 },
    // ideal 4.6: plain rounding says 5, the held 4 stays inside the band (|4.6 - 4| < 0.75)
    { popularity: 575, previous: 4, replicas: 4 },
    // ideal 4.8: past the band, the count moves
    { popularity: 600, previous: 4, replicas: 5 },
    // a held count above the site's size is clamped
    { popularity: 1000, previous: 12, replicas: 8 },
  ])('popularity $popularity, held $previous: $replicas', ({ popularity, previous, replicas }) => {
    expect(replicaCount(popularity, rule, previous)).toBe(replicas);
  });

  it('is 0 in a site without appliances and 1 for every file when nothing is known', () => {
    expect(replicaCount(10, { ...rule, appliances: 0 }, undefined)).toBe(0);
    expect(idealReplicas(0, { ...rule, top: 0 })).toBe(1);
  });
});
