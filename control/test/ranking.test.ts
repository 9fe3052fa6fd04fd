import { type PathPref, rendezvousRank } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { type Candidate, type RankInput, rankAppliances } from '../src/steering/rank.js';

const FILE = 'title-1_1080p.mp4';

function app(id: string, site: string, over: Partial<Omit<Candidate, 'holds'>> & { files?: string[] } = {}) {
  const files = new Set(over.files ?? [FILE]);
  const c: Candidate = {
    id,
    site,
    url: `http://${id}:8080`,
    health: over.health ?? 'healthy',
    holds: (f) => files.has(f),
    loadBps: over.loadBps ?? 0,
    capacityBps: over.capacityBps ?? 1000,
  };
  return c;
}

function input(cands: Candidate[], covering: [string, string[]][], over: Partial<RankInput> = {}): RankInput {
  return {
    fileId: FILE,
    covering: covering.map(([prefix, applianceIds]) => ({ prefix, applianceIds })),
    appliances: new Map(cands.map((c) => [c.id, c])),
    fallbackSites: [],
    maxUrls: 4,
    headroom: 0.9,
    ...over,
  };
}

const ids = (r: ReturnType<typeof rankAppliances>) => r.ranked.map((x) => x.applianceId);

interface Row {
  name: string;
  input: RankInput;
  ids: string[];
  decision: string;
  reason?: RegExp;
}

const rows: Row[] = [
  {
    name: 'local hit on the most specific prefix',
    input: input([app('a', 's1')], [['10.1.0.0/16', ['a']]]),
    ids: ['a'],
    decision: 'local-hit',
    reason: /a \(site s1\) on 10\.1\.0\.0\/16/,
  },
  {
    name: 'unhealthy, draining, drained and unknown appliances are skipped',
    input: input(
      [
        app('u', 's1', { health: 'unhealthy' }),
        app('d', 's1', { health: 'draining' }),
        app('x', 's1', { health: 'drained' }),
        app('k', 's1', { health: 'unknown' }),
        app('ok', 's1'),
      ],
      [['10.1.0.0/16', ['u', 'd', 'x', 'k', 'ok']]],
    ),
    ids: ['ok'],
    decision: 'local-hit',
  },
  {
    name: 'degraded ranks after healthy on the same prefix, before less specific prefixes',
    input: input(
      [app('deg', 's1', { health: 'degraded' }), app('h', 's1'), app('wide', 's2')],
      [
        ['10.1.0.0/16', ['deg', 'h']],
        ['10.0.0.0/8', ['wide']],
      ],
    ),
    ids: ['h', 'deg', 'wide'],
    decision: 'local-hit',
  },
  {
    name: 'a healthy appliance at a busy site ranks before a degraded one at an idle site',
    input: input(
      [app('idle-deg', 'idle', { health: 'degraded' }), app('busy-ok', 'busy', { loadBps: 800 })],
      [['10.0.0.0/8', ['idle-deg', 'busy-ok']]],
    ),
    ids: ['busy-ok', 'idle-deg'],
    decision: 'local-hit',
  },
  {
    name: 'an appliance over the headroom has no room',
    input: input(
      [app('busy', 's1', { loadBps: 950 }), app('calm', 's1', { loadBps: 900 })],
      [['10.0.0.0/8', ['busy', 'calm']]],
    ),
    ids: ['calm'],
    decision: 'local-hit',
  },
  {
    name: 'unreported capacity counts as room',
    input: input([app('new', 's1', { loadBps: 5, capacityBps: 0 })], [['10.0.0.0/8', ['new']]]),
    ids: ['new'],
    decision: 'local-hit',
  },
  {
    name: 'content miss: the local appliances lack the file, a less specific prefix serves',
    input: input(
      [app('a', 's1', { files: [] }), app('b', 's1', { files: ['other'] }), app('w', 's2')],
      [
        ['10.1.0.0/16', ['a', 'b']],
        ['10.0.0.0/8', ['w']],
      ],
    ),
    ids: ['w'],
    decision: 'content-miss',
    reason:
      /none of the 2 appliance\(s\) on 10\.1\.0\.0\/16 holds .*served by w \(site s2 on 10\.0\.0\.0\/8\)/,
  },
  {
    name: 'health miss: a local holder is down, another is full; fallback serves',
    input: input(
      [app('a', 's1', { health: 'unhealthy' }), app('b', 's1', { loadBps: 1000 }), app('f', 'ix')],
      [['10.1.0.0/16', ['a', 'b']]],
      { fallbackSites: ['ix'] },
    ),
    ids: ['f'],
    decision: 'health-miss',
    reason:
      /2 appliance\(s\) on 10\.1\.0\.0\/16 hold .* \(down: a; full: b\); served by f \(site ix, fallback\)/,
  },
  {
    name: 'fallback: nobody hears the client, a fallback site holds the file',
    input: input([app('f1', 'ix'), app('f2', 'ix', { files: [] }), app('other', 's9')], [], {
      fallbackSites: ['ix'],
    }),
    ids: ['f1'],
    decision: 'fallback',
  },
  {
    name: 'fallback sites keep their configured order and come after every covering prefix',
    input: input([app('l', 's1'), app('x1', 'ix-b'), app('x2', 'ix-a')], [['10.0.0.0/8', ['l']]], {
      fallbackSites: ['ix-b', 'ix-a'],
    }),
    ids: ['l', 'x1', 'x2'],
    decision: 'local-hit',
  },
  {
    name: 'no appliance twice: on two prefixes and in a fallback site',
    input: input(
      [app('a', 'ix'), app('b', 's1')],
      [
        ['10.1.0.0/16', ['a', 'a']],
        ['10.0.0.0/8', ['a', 'b']],
      ],
      { fallbackSites: ['ix'] },
    ),
    ids: ['a', 'b'],
    decision: 'local-hit',
  },
  {
    name: 'at most maxUrls',
    input: input(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => app(id, 's1')),
      [['10.0.0.0/8', ['a', 'b', 'c', 'd', 'e', 'f']]],
      { maxUrls: 4 },
    ),
    ids: rendezvousRank(FILE, ['a', 'b', 'c', 'd', 'e', 'f']).slice(0, 4),
    decision: 'local-hit',
  },
  {
    name: 'ids that are not registered are ignored; the next prefix is the local network',
    input: input(
      [app('b', 's1')],
      [
        ['10.1.0.0/16', ['ghost']],
        ['10.0.0.0/8', ['b']],
      ],
    ),
    ids: ['b'],
    decision: 'local-hit',
  },
  {
    name: 'none after a content miss',
    input: input([app('a', 's1', { files: [] })], [['10.0.0.0/8', ['a']]], { fallbackSites: ['ix'] }),
    ids: [],
    decision: 'none',
    reason: /content-miss: .*no appliance can serve it/,
  },
  {
    name: 'none after a health miss',
    input: input([app('a', 's1', { health: 'draining' })], [['10.0.0.0/8', ['a']]]),
    ids: [],
    decision: 'none',
    reason: /health-miss: .*\(down: a\).*no appliance can serve it/,
  },
  {
    name: 'none when nobody hears the client and no fallback holds the file',
    input: input([app('f', 'ix', { files: [] })], [], { fallbackSites: ['ix'] }),
    ids: [],
    decision: 'none',
    reason: /no appliance hears the client's network and fallback site\(s\) ix cannot serve/,
  },
  {
    name: 'last resort: nobody hears the client, no fallback site: any serving holder, least loaded first',
    input: input([], [], {
      lastResort: () => [
        app('busy', 's1', { loadBps: 800 }),
        app('idle', 's2', { loadBps: 100 }),
        app('empty', 's3', { files: [] }),
        app('down', 's4', { health: 'unhealthy' }),
        app('full', 's5', { loadBps: 950 }),
        app('deg', 's6', { health: 'degraded' }),
      ],
    }),
    ids: ['idle', 'busy', 'deg'],
    decision: 'fallback',
    reason: /no appliance hears the client's network; served by idle \(site s2, last resort\)/,
  },
  {
    name: 'last resort after a content miss on the client network keeps the miss class',
    input: input([app('a', 's1', { files: [] })], [['10.0.0.0/8', ['a']]], {
      lastResort: () => [app('a', 's1', { files: [] }), app('far', 's9')],
    }),
    ids: ['far'],
    decision: 'content-miss',
    reason: /content-miss: .*served by far \(site s9, last resort\)/,
  },
  {
    name: 'no last resort when a fallback site is set',
    input: input([app('f', 'ix', { files: [] })], [], {
      fallbackSites: ['ix'],
      lastResort: () => [app('far', 's9')],
    }),
    ids: [],
    decision: 'none',
  },
  {
    name: 'none when the last resort finds no serving holder either',
    input: input([], [], { lastResort: () => [app('down', 's1', { health: 'unhealthy' })] }),
    ids: [],
    decision: 'none',
    reason: /no appliance hears the client's network and no fallback site cannot serve/,
  },
];

describe('rankAppliances rules and decision classes', () => {
  for (const row of rows) {
    it(row.name, () => {
      const r = rankAppliances(row.input);
      expect(ids(r)).toEqual(row.ids);
      expect(r.decision).toBe(row.decision);
      if (row.reason) expect(r.reason).toMatch(row.reason);
    });
  }

  it('labels each entry with the prefix it was chosen on, empty for fallback', () => {
    const r = rankAppliances(
      input(
        [app('a', 's1'), app('b', 's1'), app('f', 'ix')],
        [
          ['10.1.0.0/16', ['a']],
          ['10.0.0.0/8', ['b']],
        ],
        { fallbackSites: ['ix'] },
      ),
    );
    expect(r.ranked).toEqual([
      { applianceId: 'a', site: 's1', url: 'http://a:8080', prefix: '10.1.0.0/16' },
      { applianceId: 'b', site: 's1', url: 'http://b:8080', prefix: '10.0.0.0/8' },
      { applianceId: 'f', site: 'ix', url: 'http://f:8080', prefix: '' },
    ]);
  });

  it('on one prefix, the site with more spare capacity comes first', () => {
    const r = rankAppliances(
      input(
        [
          app('h1', 'hot', { loadBps: 800 }),
          app('h2', 'hot', { loadBps: 700 }),
          app('c1', 'cool', { loadBps: 100 }),
        ],
        [['10.0.0.0/8', ['h1', 'h2', 'c1']]],
      ),
    );
    expect(ids(r)[0]).toBe('c1');
    expect(ids(r).slice(1).sort()).toEqual(['h1', 'h2']);
  });
});

function pref(over: Partial<PathPref> = {}): PathPref {
  return { localPref: 100, asPathLength: 2, origin: 0, med: 0, neighborAs: 65001, ...over };
}

/** One prefix heard by every candidate, with the given preferences (undefined: not reported). */
function onePrefix(entries: [Candidate, PathPref | undefined][]): RankInput {
  return {
    ...input(
      entries.map(([c]) => c),
      [],
    ),
    covering: [
      { prefix: '10.0.0.0/8', applianceIds: entries.map(([c]) => c.id), prefs: entries.map(([, p]) => p) },
    ],
  };
}

describe('BGP tie-breaks within one prefix', () => {
  // Each in its own site so site load does not decide; rendezvous would otherwise order them.
  const [a, b, c] = [app('a', 'sa'), app('b', 'sb'), app('c', 'sc')];

  it('ranks higher local-pref, then shorter AS path, then lower origin first', () => {
    expect(
      ids(
        rankAppliances(
          onePrefix([
            [a, pref()],
            [b, pref({ localPref: 200 })],
            [c, pref()],
          ]),
        ),
      )[0],
    ).toBe('b');
    const byPath = rankAppliances(
      onePrefix([
        [a, pref({ asPathLength: 3 })],
        [b, pref({ asPathLength: 2 })],
        [c, pref({ asPathLength: 1, localPref: 50 })],
      ]),
    );
    expect(ids(byPath)).toEqual(['b', 'a', 'c']);
    const byOrigin = rankAppliances(
      onePrefix([
        [a, pref({ origin: 2 })],
        [b, pref({ origin: 1 })],
        [c, pref()],
      ]),
    );
    expect(ids(byOrigin)).toEqual(['c', 'b', 'a']);
  });

  it('compares MED only between routes of the same neighbouring AS', () => {
    const r = rankAppliances(
      onePrefix([
        [a, pref({ med: 50, neighborAs: 65001 })],
        [b, pref({ med: 10, neighborAs: 65001 })],
        [c, pref({ med: 90, neighborAs: 65002 })],
      ]),
    );
    // a loses to b (same neighbour); c, from another neighbour, ties with b: rendezvous decides.
    expect(ids(r).slice(0, 2).sort()).toEqual(['b', 'c']);
    expect(ids(r)[2]).toBe('a');
  });

  it('health comes after the tie-breaks: a degraded appliance on the better route ranks first', () => {
    const deg = app('d', 'sd', { health: 'degraded' });
    expect(
      ids(
        rankAppliances(
          onePrefix([
            [a, pref()],
            [deg, pref({ localPref: 200 })],
          ]),
        ),
      ),
    ).toEqual(['d', 'a']);
  });

  it('does not break ties when one appliance did not report its route', () => {
    const known = rankAppliances(
      onePrefix([
        [a, pref()],
        [b, undefined],
        [c, pref({ localPref: 900 })],
      ]),
    );
    // As without preferences: equally idle sites, in name order.
    expect(ids(known)).toEqual(['a', 'b', 'c']);
  });

  it('a less specific prefix still ranks after a more specific one, whatever its local-pref', () => {
    const r = rankAppliances({
      ...input([a, b], []),
      covering: [
        { prefix: '10.1.0.0/16', applianceIds: ['a'], prefs: [pref({ localPref: 10 })] },
        { prefix: '10.0.0.0/8', applianceIds: ['b'], prefs: [pref({ localPref: 999 })] },
      ],
    });
    expect(ids(r)).toEqual(['a', 'b']);
  });
});

describe('cache affinity within a site', () => {
  const site = ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => app(id, 's1', { files: [] }));
  const everything = site.map((c) => ({ ...c, holds: () => true }));
  const ask = (fileId: string, cands = everything) =>
    rankAppliances({ ...input(cands, [['10.0.0.0/8', cands.map((c) => c.id)]]), fileId });

  it('gives the same order for the same file on every call, whatever the input order', () => {
    const first = ids(ask('f-1'));
    expect(ids(ask('f-1'))).toEqual(first);
    expect(ids(ask('f-1', [...everything].reverse()))).toEqual(first);
    expect(first).toEqual(rendezvousRank('f-1', ['a1', 'a2', 'a3', 'a4', 'a5']).slice(0, 4));
  });

  it('spreads different files across the site appliances', () => {
    const firsts = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      const top = ids(ask(`file-${i}`))[0]!;
      firsts.set(top, (firsts.get(top) ?? 0) + 1);
    }
    expect(firsts.size).toBe(5);
    for (const n of firsts.values()) expect(n).toBeGreaterThan(50);
  });

  it('losing one appliance moves only the files it was first for', () => {
    const without = everything.map((c) => (c.id === 'a3' ? { ...c, health: 'unhealthy' as const } : c));
    for (let i = 0; i < 200; i++) {
      const before = ids(ask(`file-${i}`))[0];
      const after = ids(ask(`file-${i}`, without))[0];
      if (before !== 'a3') expect(after).toBe(before);
    }
  });
});
