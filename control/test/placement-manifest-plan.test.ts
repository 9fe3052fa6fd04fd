// One appliance's manifest plan (placement/manifest-plan.ts) and its version: ranked sources,
// one origin read per site (the seed), make-before-break drops.
import { describe, expect, it } from 'vitest';
import { type FleetMember, type PlanInput, planManifest } from '../src/placement/manifest-plan.js';
import { manifestVersion } from '../src/placement/manifest-version.js';

function member(id: string, holds: string[], over: Partial<FleetMember> = {}): FleetMember {
  const set = new Set(holds);
  return { id, url: `http://${id}:8080`, serving: true, loadShare: 0, holds: (f) => set.has(f), ...over };
}

const F = { id: 'f1', size: 10, sha256: 'a'.repeat(64) };

function input(over: Partial<PlanInput> & Pick<PlanInput, 'site'>): PlanInput {
  return {
    applianceId: 'me',
    wanted: [F],
    held: [],
    parents: [],
    wantersOf: () => ['me'],
    excluded: () => false,
    minCopies: 1,
    originKey: (f) => `content/${f}`,
    maxPeers: 4,
    maxParents: 4,
    ...over,
  };
}

describe('sources', () => {
  it('peers that hold the file least loaded first, then parents, then the origin', () => {
    const plan = planManifest(
      input({
        site: [
          member('me', []),
          member('busy', ['f1'], { loadShare: 0.8 }),
          member('idle', ['f1'], { loadShare: 0.1 }),
          member('down', ['f1'], { serving: false }),
          member('empty', []),
        ],
        parents: [member('p2', ['f1'], { loadShare: 0.5 }), member('p1', ['f1']), member('p3', [])],
      }),
    );
    expect(plan.files[0]!.sources).toEqual([
      { kind: 'peer', applianceId: 'idle', baseUrl: 'http://idle:8080' },
      { kind: 'peer', applianceId: 'busy', baseUrl: 'http://busy:8080' },
      { kind: 'parent', applianceId: 'p1', baseUrl: 'http://p1:8080' },
      { kind: 'parent', applianceId: 'p2', baseUrl: 'http://p2:8080' },
      { kind: 'origin', key: 'content/f1' },
    ]);
  });

  it('leaves out a source that sent corrupt bytes for that file, and caps the peers', () => {
    const site = [member('me', []), ...['a', 'b', 'c', 'd'].map((id) => member(id, ['f1']))];
    const plan = planManifest(input({ site, excluded: (f, id) => f === 'f1' && id === 'b', maxPeers: 2 }));
    expect(plan.files[0]!.sources.map((s) => (s.kind === 'origin' ? 'origin' : s.applianceId))).toEqual([
      'a',
      'c',
      'origin',
    ]);
  });
});

describe('one origin read per site', () => {
  const wantersOf = () => ['a', 'b', 'c'];

  it('only the seed fetches a file no one in the site holds; the others wait for it', () => {
    const site = [member('a', []), member('b', []), member('c', [])];
    const seed = planManifest(input({ applianceId: 'a', site, wantersOf }));
    expect(seed.files.map((f) => f.id)).toEqual(['f1']);
    expect(seed.files[0]!.sources).toEqual([{ kind: 'origin', key: 'content/f1' }]);
    const other = planManifest(input({ applianceId: 'b', site, wantersOf }));
    expect(other.files).toEqual([]);
    expect(other.deferred).toEqual(['f1']);
  });

  it('once the seed holds it the others get it, the seed as their first source', () => {
    const site = [member('a', ['f1']), member('b', []), member('c', [])];
    const other = planManifest(input({ applianceId: 'c', site, wantersOf }));
    expect(other.files[0]!.sources[0]).toMatchObject({ kind: 'peer', applianceId: 'a' });
  });

  it.each([
    { why: 'the first is down', a: { serving: false }, seed: 'b' },
    { why: "the first's fill window is closed", a: { windowOpen: false }, seed: 'b' },
    { why: 'the first is fine', a: { windowOpen: true }, seed: 'a' },
  ])('the seed moves on when $why', ({ a, seed }) => {
    const site = [member('a', [], a), member('b', []), member('c', [])];
    for (const id of ['a', 'b', 'c']) {
      const plan = planManifest(input({ applianceId: id, site, wantersOf }));
      expect(plan.files.length, id).toBe(id === seed ? 1 : 0);
    }
  });
});

describe('drop: make before break', () => {
  const held = ['f1'];
  const noLongerWanted = { wanted: [], held };

  it.each([
    { holders: [] as string[], wanters: ['b'], minCopies: 1, drop: false },
    { holders: ['b'], wanters: ['b'], minCopies: 1, drop: true },
    { holders: ['b'], wanters: ['b', 'c'], minCopies: 2, drop: false },
    { holders: ['b', 'c'], wanters: ['b', 'c'], minCopies: 2, drop: true },
    // an appliance holding it that is not given it does not count: it may be dropping it too
    { holders: ['x'], wanters: ['b'], minCopies: 1, drop: false },
    { holders: [], wanters: [], minCopies: 1, drop: true },
  ])(
    'held by $holders, given to $wanters, min $minCopies: drop $drop',
    ({ holders, wanters, minCopies, drop }) => {
      const site = ['me', 'b', 'c', 'x'].map((id) =>
        member(id, id === 'me' || holders.includes(id) ? held : []),
      );
      const plan = planManifest(input({ ...noLongerWanted, site, wantersOf: () => wanters, minCopies }));
      expect(plan.drop).toEqual(drop ? ['f1'] : []);
    },
  );

  it('a holder that cannot serve is no copy yet', () => {
    const site = [member('me', held), member('b', held, { serving: false })];
    const plan = planManifest(input({ ...noLongerWanted, site, wantersOf: () => ['b'] }));
    expect(plan.drop).toEqual([]);
  });
});

describe('manifestVersion', () => {
  const files = [
    {
      ...F,
      sources: [
        { kind: 'peer' as const, applianceId: 'a', baseUrl: 'http://a' },
        { kind: 'origin' as const, key: 'k' },
      ],
    },
    { ...F, id: 'f2', sources: [{ kind: 'origin' as const, key: 'k2' }] },
  ];

  it('is a safe integer that ignores the order of files and sources', () => {
    const v = manifestVersion({ files, drop: ['x', 'y'] });
    expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
    const reordered = [files[1]!, { ...files[0]!, sources: [...files[0]!.sources].reverse() }];
    expect(manifestVersion({ files: reordered, drop: ['y', 'x'] })).toBe(v);
  });

  it('changes with a file, a source or a drop', () => {
    const v = manifestVersion({ files, drop: [] });
    expect(manifestVersion({ files: files.slice(1), drop: [] })).not.toBe(v);
    expect(
      manifestVersion({
        files: [{ ...files[0]!, sources: [{ kind: 'origin', key: 'k' }] }, files[1]!],
        drop: [],
      }),
    ).not.toBe(v);
    expect(manifestVersion({ files, drop: ['x'] })).not.toBe(v);
  });

  it("changes with the URLs' expiry step only when there are URLs", () => {
    expect(manifestVersion({ files, drop: [] }, 7200)).not.toBe(manifestVersion({ files, drop: [] }, 10800));
    const originOnly = [files[1]!];
    expect(manifestVersion({ files: originOnly, drop: [] }, 7200)).toBe(
      manifestVersion({ files: originOnly, drop: [] }, 10800),
    );
  });
});
