// Placement on tables (placement/place.ts): replicas follow popularity, capacity is never
// exceeded, the answer does not depend on input order, and an appliance added or lost moves
// few files.
import { seededRandom } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { type PlacementInput, place, placeWithTrace } from '../src/placement/place.js';
import {
  appliances,
  copies,
  files,
  movedShare,
  oneSite,
  pairs,
  relocatedShare,
  usedBytes,
  zipf,
} from './support/placement-tables.js';

const AMPLE = 1e12;

describe('replicas follow popularity', () => {
  // Four appliances: the count is 4 × popularity / top popularity, rounded, at least 1.
  it.each([
    { popularity: 1000, replicas: 4 },
    { popularity: 750, replicas: 3 },
    { popularity: 500, replicas: 2 },
    { popularity: 250, replicas: 1 },
    { popularity: 100, replicas: 1 },
    { popularity: 0, replicas: 1 },
  ])(
    'a file $popularity / 1000 as popular as the top one has $replicas copies',
    ({ popularity, replicas }) => {
      const list = [
        { id: 'top', size: 10 },
        { id: 'x', size: 10 },
      ];
      const pop = new Map([
        ['top', 1000],
        ['x', popularity],
      ]);
      const held = copies(place(oneSite(list, appliances(4, AMPLE), pop)));
      expect(held.get('top')).toBe(4);
      expect(held.get('x')).toBe(replicas);
    },
  );

  it('under a Zipf skew: the top files on every appliance, counts falling with popularity, every file once', () => {
    const list = files(200);
    const result = placeWithTrace(oneSite(list, appliances(6, AMPLE), zipf(list)));
    const held = copies(result.wanted);
    expect(held.get('f0000')).toBe(6);
    expect(held.get('f0001')).toBe(3);
    const counts = list.map((f) => held.get(f.id) ?? 0);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]!);
    expect(Math.min(...counts)).toBe(1);
    // placed in popularity order
    expect(result.sites.get('s')!.files.map((f) => f.fileId)).toEqual(list.map((f) => f.id));
  });

  it('with nothing known of popularity, every file once, in catalog order', () => {
    const list = files(30);
    const held = copies(place(oneSite(list, appliances(3, AMPLE), new Map())));
    expect([...held.values()].every((n) => n === 1)).toBe(true);
    expect(held.size).toBe(30);
  });
});

describe('capacity', () => {
  it.each([
    { caps: [1000, 2000, 4000], n: 50, size: 100, placed: 50 },
    { caps: [0, 5000], n: 40, size: 100, placed: 40 },
    { caps: [150, 150], n: 10, size: 100, placed: 2 },
    { caps: [99], n: 3, size: 100, placed: 0 },
  ])(
    'appliances of $caps bytes, $n files of $size: $placed placed, none over capacity',
    ({ caps, n, size, placed }) => {
      const list = files(n, size);
      const apps = caps.map((capacityBytes, i) => ({ id: `a${i}`, capacityBytes }));
      const wanted = place(oneSite(list, apps, new Map()));
      const used = usedBytes(wanted, list);
      for (const [i, cap] of caps.entries()) expect(used.get(`a${i}`)).toBeLessThanOrEqual(cap);
      expect(copies(wanted).size).toBe(placed);
    },
  );

  it('a larger appliance takes more of the spill when the small ones are full', () => {
    const list = files(60, 100);
    const apps = [
      { id: 'small', capacityBytes: 1000 },
      { id: 'big', capacityBytes: 5000 },
    ];
    const used = usedBytes(place(oneSite(list, apps, new Map())), list);
    expect(used.get('small')).toBe(1000);
    expect(used.get('big')).toBe(5000);
  });

  it('is never exceeded, on 30 random fleets and catalogs', () => {
    for (let seed = 0; seed < 30; seed++) {
      const rnd = seededRandom(`capacity-${seed}`);
      const list = Array.from({ length: 20 + Math.floor(rnd() * 200) }, (_, i) => ({
        id: `f${i}`,
        size: Math.floor(rnd() * 5000),
      }));
      const pop = new Map(list.map((f) => [f.id, rnd() < 0.2 ? 0 : rnd() ** 4 * 1e6]));
      const apps = Array.from({ length: 1 + Math.floor(rnd() * 12) }, (_, i) => ({
        id: `a${i}`,
        capacityBytes: Math.floor(rnd() * 200_000),
      }));
      const result = placeWithTrace(oneSite(list, apps, pop));
      const used = usedBytes(result.wanted, list);
      for (const a of apps)
        expect(used.get(a.id)!, `seed ${seed} ${a.id}`).toBeLessThanOrEqual(a.capacityBytes);
      for (const f of result.sites.get('s')!.files) {
        expect(new Set(f.placedOn).size).toBe(f.placedOn.length);
        expect(f.placedOn.length).toBeLessThanOrEqual(Math.min(f.replicas, apps.length));
      }
    }
  });
});

describe('determinism', () => {
  it('gives the same answer whatever the order appliances and sites are listed in', () => {
    const list = files(120);
    const pop = zipf(list);
    const apps = appliances(7, 3000).map((a, i) => ({ ...a, capacityBytes: 2000 + i * 700 }));
    const forward: PlacementInput = {
      files: list,
      sites: new Map([
        ['s', apps],
        ['t', appliances(3, 5000, 'b')],
      ]),
      popularity: { sites: new Map([['s', pop]]) },
    };
    const backward: PlacementInput = {
      ...forward,
      sites: new Map([
        ['t', [...appliances(3, 5000, 'b')].reverse()],
        ['s', [...apps].reverse()],
      ]),
    };
    const a = place(forward);
    const b = place(backward);
    expect(sorted(a)).toEqual(sorted(b));
    expect(sorted(place(forward))).toEqual(sorted(a));
  });
});

describe('an appliance added or lost moves few files', () => {
  // The service hands each run the previous one (hysteresis and sticky spills), as here.
  const cases = [3, 5, 8, 16].flatMap((n) => [
    { n, pressure: 'ample' as const },
    ...(n <= 8 ? [{ n, pressure: 'tight' as const }] : []),
  ]);

  it.each(cases)('$n appliances, capacity $pressure', ({ n, pressure }) => {
    const list = files(500);
    const pop = zipf(list);
    // tight: 60 % of what the catalog's replicas would take
    const demand = pairs(place(oneSite(list, appliances(n, AMPLE), pop))) * 100;
    const cap = pressure === 'ample' ? AMPLE : Math.floor((demand * 0.6) / n);
    const share = pressure === 'ample' ? movedShare : relocatedShare;
    const base = placeWithTrace(oneSite(list, appliances(n, cap), pop));
    const previous = { replicas: base.replicas, wanted: base.wanted };

    const added = place({ ...oneSite(list, appliances(n + 1, cap), pop), previous });
    expect(share(base.wanted, added)).toBeLessThanOrEqual(1 / (n + 1) + 0.1);
    // the newcomer takes its share
    expect(added.get(`a${n}`)!.size).toBeGreaterThan(0);

    const lost = place({ ...oneSite(list, appliances(n, cap).slice(1), pop), previous });
    expect(share(base.wanted, lost)).toBeLessThanOrEqual(1 / n + 0.1);
    // every file the lost appliance held that is still placed went to a survivor
    expect(copies(lost).size).toBeGreaterThanOrEqual(pressure === 'ample' ? list.length : 1);
  });
});

describe('no thrashing', () => {
  it('popularity jittering by ±10 % changes nothing once placed', () => {
    const list = files(300);
    const pop = zipf(list);
    const apps = appliances(5, 8000);
    const base = placeWithTrace(oneSite(list, apps, pop));
    const rnd = seededRandom('jitter');
    for (let round = 0; round < 10; round++) {
      const jittered = new Map([...pop].map(([f, v]) => [f, v * (0.9 + rnd() * 0.2)]));
      const next = place({
        ...oneSite(list, apps, jittered),
        previous: { replicas: base.replicas, wanted: base.wanted },
      });
      expect(movedShare(base.wanted, next), `round ${round}`).toBeLessThan(0.02);
    }
  });

  it('decay alone (every value halved) changes nothing at all', () => {
    const list = files(100);
    const pop = zipf(list);
    const apps = appliances(4, 3000);
    const base = placeWithTrace(oneSite(list, apps, pop));
    const halved = new Map([...pop].map(([f, v]) => [f, v / 2]));
    const next = place({ ...oneSite(list, apps, halved), previous: { replicas: base.replicas } });
    expect(sorted(next)).toEqual(sorted(base.wanted));
  });

  it('a placed file keeps its room until a newcomer is clearly more popular', () => {
    const list = [
      { id: 'held', size: 100 },
      { id: 'new', size: 100 },
    ];
    const apps = [{ id: 'a0', capacityBytes: 100 }];
    const before = placeWithTrace(oneSite(list, apps, new Map([['held', 100]])));
    expect([...before.wanted.get('a0')!]).toEqual(['held']);
    const previous = { replicas: before.replicas };
    const slightly = place({
      ...oneSite(
        list,
        apps,
        new Map([
          ['held', 100],
          ['new', 120],
        ]),
      ),
      previous,
    });
    expect([...slightly.get('a0')!]).toEqual(['held']);
    const clearly = place({
      ...oneSite(
        list,
        apps,
        new Map([
          ['held', 100],
          ['new', 130],
        ]),
      ),
      previous,
    });
    expect([...clearly.get('a0')!]).toEqual(['new']);
  });
});

describe('parent tiers', () => {
  it("a parent site places its children's popular files though it served none itself", () => {
    const list = files(40, 100);
    const childPop = new Map([['f0039', 1e6]]);
    const input: PlacementInput = {
      files: list,
      sites: new Map([
        ['edge', appliances(2, 1000, 'e')],
        ['core', appliances(1, 500, 'c')],
      ]),
      popularity: { sites: new Map([['edge', childPop]]) },
      parents: new Map([['edge', 'core']]),
    };
    const result = placeWithTrace(input);
    expect(result.sites.get('core')!.files[0]!.fileId).toBe('f0039');
    expect(result.wanted.get('c0')!.has('f0039')).toBe(true);
    // without the tier the core site knows nothing of it: catalog order decides
    const alone = place({ ...input, parents: new Map() });
    expect(alone.get('c0')!.has('f0039')).toBe(false);
  });

  it('counts the catalog base once in each site', () => {
    const list = files(3, 100);
    const input: PlacementInput = {
      files: list,
      sites: new Map([['core', appliances(4, AMPLE, 'c')]]),
      popularity: {
        sites: new Map([['edge', new Map([['f0001', 1000]])]]),
        base: new Map([['f0000', 1000]]),
      },
      parents: new Map([['edge', 'core']]),
    };
    const held = copies(place(input));
    expect(held.get('f0000')).toBe(4);
    expect(held.get('f0001')).toBe(4);
    expect(held.get('f0002')).toBe(1);
  });
});

function sorted(wanted: ReadonlyMap<string, ReadonlySet<string>>): [string, string[]][] {
  return [...wanted].map(([id, set]) => [id, [...set].sort()] as [string, string[]]).sort();
}
