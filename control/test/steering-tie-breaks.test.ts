// BGP tie-breaks from report to answer: routes reports (whole, paged, deltas) go through
// RoutesIngest into a real store and model, and steering ranks appliances that heard the same
// prefix by the routes they heard — local-pref, AS path length, origin, MED — before load and
// rendezvous. A snapshot's duplicate prefix (two peers) keeps the better route.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogFixture } from '@ferry/harness';
import type { FeedRoute, RoutesReport, SteerResponse } from '@ferry/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RoutesIngest } from '../src/ingest/routes.js';
import { ControlModel } from '../src/model/model.js';
import { openStore } from '../src/state/open-store.js';
import type { StateStore } from '../src/state/store.js';
import { steer } from '../src/steering/steer.js';
import { applianceRecord } from './support/test-data.js';

let dir: string;
let store: StateStore;
let model: ControlModel;
let ingest: RoutesIngest;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-tie-breaks-'));
  store = await openStore({ db: join(dir, 'control.db') });
  model = new ControlModel();
  model.setCatalog(catalogFixture({ titleId: 't1', streamId: 't1-v' }));
  // One appliance per site, all idle: without tie-breaks the sites go in name order.
  for (const [id, site] of [
    ['x', 's1'],
    ['y', 's2'],
    ['z', 's3'],
  ] as const) {
    model.setAppliance({
      ...applianceRecord(id, Date.now(), `http://${id}.test`),
      site,
      capacityBps: 1e9,
      loadBps: 0,
    });
    model.setHealth(id, 'healthy', 'test');
    model.setInventory(id, { version: 1, files: ['t1-v'] });
  }
  ingest = new RoutesIngest({ store, model, maxRoutesPerAppliance: 1000, partIdleMs: 60_000 });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function report(id: string, r: RoutesReport): Promise<void> {
  const out = await ingest.apply(id, ingest.plan(id, r, Date.now()));
  expect(out.resync).toBe(false);
}

function snapshot(routes: FeedRoute[], version = 1): RoutesReport {
  return { kind: 'snapshot', epoch: 'e', version, routes };
}

function order(client = '10.1.2.3'): string[] {
  const json = steer(
    { model, fallbackSites: [], urlsPerStream: 3, headroom: 0.9, tokenTtlSec: 60 },
    { titleId: 't1', client },
  );
  return (JSON.parse(json) as SteerResponse).streams[0]!.urls.map((u) => u.applianceId);
}

const R = (over: Partial<FeedRoute> = {}): FeedRoute => ({
  prefix: '10.0.0.0/8',
  peer: 'p1',
  asPath: [65001, 65002],
  origin: 'igp',
  ...over,
});

describe('steering tie-breaks from the routes reports', () => {
  it('ranks by local-pref, then AS path length, then origin, then MED of one neighbour', async () => {
    await report('x', snapshot([R({ localPref: 100 })]));
    await report('y', snapshot([R({ localPref: 200, asPath: [65001, 65002, 65003, 65004] })]));
    await report('z', snapshot([R({ localPref: 100, asPath: [65001] })]));
    expect(order()).toEqual(['y', 'z', 'x']);

    // Deltas move the preferences: x now equals y's local-pref with a shorter path.
    await report('x', {
      kind: 'delta',
      epoch: 'e',
      since: 1,
      version: 2,
      announced: [R({ localPref: 200 })],
      withdrawn: [],
    });
    expect(order()).toEqual(['x', 'y', 'z']);
    // Same path length and local-pref: origin, then MED of the same neighbour (65001).
    await report('y', {
      kind: 'delta',
      epoch: 'e',
      since: 1,
      version: 2,
      announced: [R({ localPref: 200, med: 5 })],
      withdrawn: [],
    });
    await report('x', {
      kind: 'delta',
      epoch: 'e',
      since: 2,
      version: 3,
      announced: [R({ localPref: 200, med: 50 })],
      withdrawn: [],
    });
    expect(order()).toEqual(['y', 'x', 'z']);
    await report('y', {
      kind: 'delta',
      epoch: 'e',
      since: 2,
      version: 3,
      announced: [R({ localPref: 200, med: 5, origin: 'incomplete' })],
      withdrawn: [],
    });
    expect(order()).toEqual(['x', 'y', 'z']);
  });

  it('keeps the better of two peers in a snapshot, also across pages', async () => {
    await report('x', snapshot([R({ peer: 'p1', localPref: 50 }), R({ peer: 'p2', localPref: 300 })]));
    await report('y', snapshot([R({ localPref: 200 })]));
    await report('z', {
      kind: 'snapshot',
      epoch: 'e',
      version: 1,
      part: { index: 0, count: 2 },
      routes: [R({ peer: 'p1', localPref: 400 })],
    });
    await report('z', {
      kind: 'snapshot',
      epoch: 'e',
      version: 1,
      part: { index: 1, count: 2 },
      routes: [R({ peer: 'p2', localPref: 10 })],
    });
    expect(order()).toEqual(['z', 'x', 'y']);
  });

  it('forgets a withdrawn route, and ranks without tie-breaks when one appliance sent no attributes', async () => {
    await report('x', snapshot([R({ localPref: 100 })]));
    await report('y', snapshot([R({ localPref: 100 })]));
    await report('z', snapshot([R({ localPref: 900 }), R({ prefix: '10.1.0.0/16' })]));
    // The /16 is more specific: z first on it, then the /8 by local-pref (z already placed).
    expect(order()).toEqual(['z', 'x', 'y']);
    await report('z', {
      kind: 'delta',
      epoch: 'e',
      since: 1,
      version: 2,
      announced: [],
      withdrawn: ['10.1.0.0/16'],
    });
    expect(order()).toEqual(['z', 'x', 'y']);
    // z's /8 now carries nothing to rank on: the /8 falls back to load and site order.
    await report('z', {
      kind: 'delta',
      epoch: 'e',
      since: 2,
      version: 3,
      announced: [{ prefix: '10.0.0.0/8' }],
      withdrawn: [],
    });
    expect(order()).toEqual(['x', 'y', 'z']);
    expect(model.routes.prefOf('z', '10.0.0.0/8')).toBeUndefined();
    expect(model.routes.prefOf('x', '10.0.0.0/8')).toMatchObject({ localPref: 100, asPathLength: 2 });
  });
});

describe('PrefTable', () => {
  it('keeps the common preference once and lists only the prefixes that differ', async () => {
    const { PrefTable, PrefInterner } = await import('../src/model/route-prefs.js');
    const { pathPref } = await import('@ferry/protocol');
    const i = new PrefInterner();
    const usual = i.intern(pathPref({ asPath: [1, 2], localPref: 100 }));
    const better = i.intern(pathPref({ asPath: [1], localPref: 200 }));
    const prefixes = new Set(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']);
    const prefs = new Map([
      ['10.0.0.0/24', usual],
      ['10.0.1.0/24', usual],
      ['10.0.2.0/24', better],
    ]);
    const t = await PrefTable.build(prefixes, prefs);
    expect(t.entries).toBe(3); // the common one, one that differs, one without
    expect(t.get('10.0.0.0/24')).toEqual(usual);
    expect(t.get('10.0.2.0/24')).toEqual(better);
    expect(t.get('10.0.3.0/24')).toBeUndefined();
    t.set('10.0.2.0/24', { ...usual });
    t.set('10.0.3.0/24', better);
    t.set('10.0.0.0/24', undefined);
    expect([t.get('10.0.0.0/24'), t.get('10.0.2.0/24'), t.get('10.0.3.0/24')]).toEqual([
      undefined,
      usual,
      better,
    ]);
  });
});
