import { parseCidr } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { planSteers } from '../src/steering/client-plan.js';
import { placeFiles } from '../src/steering/inventory.js';
import {
  aggregatesOf,
  buildLayout,
  hears,
  prefix24,
  prefixAddress,
  routesOf,
  tableSize,
} from '../src/steering/layout.js';

describe('buildLayout', () => {
  it('puts 100 appliances in 20 sites of 5 and splits the /24s into contiguous blocks', () => {
    const l = buildLayout({ appliances: 100, prefixes: 1_000_000 });
    expect(l.sites).toHaveLength(20);
    expect(l.sites.every((s) => s.appliances.length === 5)).toBe(true);
    expect(l.sites[0]!.first).toBe(0);
    expect(l.sites.at(-1)!.end).toBe(1_000_000);
    for (let i = 1; i < l.sites.length; i++) expect(l.sites[i]!.first).toBe(l.sites[i - 1]!.end);
  });

  it('gives the last site the remainder of the appliances', () => {
    const l = buildLayout({ appliances: 12, prefixes: 100 });
    expect(l.sites.map((s) => s.appliances.length)).toEqual([5, 5, 2]);
    expect(new Set(l.appliances.map((a) => a.id)).size).toBe(12);
  });

  it('rejects tables that do not fit in IPv4 /24s', () => {
    expect(() => buildLayout({ appliances: 1, prefixes: 0 })).toThrow();
    expect(() => buildLayout({ appliances: 1, prefixes: 0xff0001 })).toThrow();
  });
});

describe('prefixes', () => {
  it('are distinct valid /24s from 1.0.0.0 with their /16 aggregates', () => {
    expect(prefix24(0)).toBe('1.0.0.0/24');
    expect(prefix24(256)).toBe('1.1.0.0/24');
    expect(prefix24(999_999)).toBe('16.66.63.0/24');
    expect(parseCidr(prefix24(999_999))).toBeTruthy();
    expect(prefixAddress(1)).toBe('1.0.1.0');
    const l = buildLayout({ appliances: 10, prefixes: 1000 });
    expect(aggregatesOf(l.sites[0]!)).toEqual(['1.0.0.0/16', '1.1.0.0/16']);
    // 1000 /24s span four /16s; the one shared by both sites counts once.
    expect(tableSize(l)).toBe(1004);
  });

  it('are each heard by `hearers` appliances of their site, shared about evenly', () => {
    const l = buildLayout({ appliances: 5, prefixes: 1000 });
    const site = l.sites[0]!;
    const perAppliance = site.appliances.map(
      (a) => routesOf(l, site, a).filter((p) => p.endsWith('/24')).length,
    );
    expect(perAppliance).toEqual([600, 600, 600, 600, 600]);
    for (let i = 0; i < 50; i++) {
      expect(site.appliances.filter((a) => hears(i, a.slot, 5, 3))).toHaveLength(3);
    }
    // Every appliance also announces its site's aggregates.
    expect(routesOf(l, site, site.appliances[0]!).filter((p) => p.endsWith('/16'))).toHaveLength(4);
  });
});

describe('placeFiles', () => {
  it('holds each file on `copies` appliances of every site, so each site holds everything', () => {
    const l = buildLayout({ appliances: 10, prefixes: 100 });
    const files = Array.from({ length: 200 }, (_, i) => `f${i}`);
    const held = placeFiles(l, files, 2);
    for (const site of l.sites) {
      for (const f of files) {
        expect(site.appliances.filter((a) => held.get(a.id)!.includes(f))).toHaveLength(2);
      }
    }
    // A subset per appliance, not everything: content misses can happen.
    expect(held.get('a-000')!.length).toBeLessThan(files.length);
  });
});

describe('planSteers', () => {
  it('cycles titles and spreads client addresses over the announced /24s, deterministically', () => {
    const plan = planSteers({ titleIds: ['t1', 't2'], prefixes: 1000, count: 500, seed: 7 });
    expect(plan.map((p) => JSON.parse(p.body).titleId).slice(0, 3)).toEqual(['t1', 't2', 't1']);
    const first = buildLayout({ appliances: 1, prefixes: 1000 }).sites[0]!;
    for (const p of plan) {
      const [a, b, c, d] = p.xff.split('.').map(Number);
      const index = (((a! << 16) | (b! << 8) | c!) >>> 0) - 0x010000;
      expect(index).toBeGreaterThanOrEqual(first.first);
      expect(index).toBeLessThan(first.end);
      expect(d).toBeGreaterThanOrEqual(1);
      expect(d).toBeLessThanOrEqual(254);
    }
    expect(new Set(plan.map((p) => p.xff.split('.').slice(0, 3).join('.'))).size).toBeGreaterThan(300);
    expect(planSteers({ titleIds: ['t1', 't2'], prefixes: 1000, count: 500, seed: 7 })).toEqual(plan);
  });
});
