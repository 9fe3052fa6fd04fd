// Manifests against a real control (docs/fill.md): what each appliance of a site is given,
// its ranked sources (peers of its site, then its parent site, then the origin), the fill
// tokens on peer URLs, the seed rule (one origin read per site), drops, and the version.
import { PREFIX_QUERY_PARAM, TOKEN_QUERY_PARAM, verifyToken } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FillAppliance, type FillControl, fillCatalog, startFillControl } from './support/fill-fleet.js';

let f: FillControl;
let e1: FillAppliance;
let e2: FillAppliance;
let core: FillAppliance;
const FILES = 6;

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field
type Manifest = any;

async function manifestOf(a: FillAppliance): Promise<Manifest> {
  const r = await a.manifest();
  expect(r.status).toBe(200);
  return r.json;
}

function fileOf(m: Manifest, fileId: string) {
  return m.files.find((x: { fileId: string }) => x.fileId === fileId);
}

function tokenCheck(url: string, clientAddress: string) {
  const u = new URL(url);
  return verifyToken(u.searchParams.get(TOKEN_QUERY_PARAM)!, {
    keys: f.keys,
    fileId: u.pathname.split('/').pop()!,
    clientPrefix: u.searchParams.get(PREFIX_QUERY_PARAM) ?? '',
    clientAddress,
    nowSec: Math.floor(Date.now() / 1000),
  });
}

beforeAll(async () => {
  f = await startFillControl({ parents: { edge: 'core' }, originPrefix: 'vod/v1' });
  await f.postCatalog(fillCatalog(FILES));
  e1 = await f.appliance('e1', 'edge', '127.0.0.31');
  e2 = await f.appliance('e2', 'edge', '127.0.0.32');
  core = await f.appliance('core1', 'core', '127.0.0.33');
  for (const a of [e1, e2, core]) await a.beat();
  for (const a of [e1, e2, core]) await a.waitHealthy();
});

afterAll(async () => {
  await f?.close();
});

describe('a site of two appliances filling the same catalog', () => {
  it('gives every file to at least one appliance and the top file to both', async () => {
    const placement = f.t.control.fill.placement;
    f.t.control.fill.refresh();
    // the catalog's initial popularity, counted in every site
    const f1 = f.t.control.fill.popularity.value('edge', 'f1', Date.now());
    expect(f1).toBeGreaterThan(4.9e5);
    expect(f1).toBeLessThanOrEqual(5e5);
    const union = new Set([...placement.wantedOf('e1'), ...placement.wantedOf('e2')]);
    expect(union.size).toBe(FILES);
    expect(placement.wantedOf('e1')).toContain('f0');
    expect(placement.wantedOf('e2')).toContain('f0');
    // the core site serves nobody directly, but its child's demand is its own
    expect(placement.wantedOf('core1')).toHaveLength(FILES);
  });

  it('has only the seed fetch a file nobody holds yet; the other waits for its peer', async () => {
    const [m1, m2] = [await manifestOf(e1), await manifestOf(e2)];
    const both = (fileId: string) => f.t.control.fill.placement.wantersOf('edge', fileId).length === 2;
    expect(both('f0')).toBe(true);
    const seed = fileOf(m1, 'f0') ? m1 : m2;
    const other = seed === m1 ? m2 : m1;
    expect(fileOf(other, 'f0')).toBeUndefined();
    expect(fileOf(seed, 'f0').sources).toEqual([{ kind: 'origin', key: 'vod/v1/f0' }]);
    expect(fileOf(seed, 'f0')).toMatchObject({ size: 1000, sha256: '0'.repeat(64) });
  });

  it('once the seed holds it, the other gets it from the seed with a fill token bound to its own address', async () => {
    const m1 = await manifestOf(e1);
    const [seed, other] = fileOf(m1, 'f0') ? [e1, e2] : [e2, e1];
    const before = (await manifestOf(other)).version;
    await seed.beat({ files: ['f0'] });
    const m = await manifestOf(other);
    expect(m.version).not.toBe(before);
    const sources = fileOf(m, 'f0').sources;
    expect(sources.map((s: { kind: string }) => s.kind)).toEqual(['peer', 'origin']);
    expect(sources[0]).toMatchObject({ applianceId: seed.id });
    const url = new URL(sources[0].url);
    expect(url.origin).toBe(seed.url);
    expect(url.pathname).toBe('/v1/c/f0');
    const otherAddress = new URL(other.url).hostname;
    expect(url.searchParams.get(PREFIX_QUERY_PARAM)).toBe(`${otherAddress}/32`);
    expect(tokenCheck(sources[0].url, otherAddress)).toMatchObject({ ok: true });
    expect(tokenCheck(sources[0].url, '127.0.0.99')).toEqual({ ok: false, reason: 'WRONG_NETWORK' });
    expect(m.sourcesExpireAt).toBeGreaterThan(Date.now() / 1000 + 3500);
  });

  it("keeps the version while nothing it asks for changes, the tokens' expiry step included", async () => {
    const a = await manifestOf(e1);
    await new Promise((r) => setTimeout(r, 1100));
    const b = await manifestOf(e1);
    expect(b.generatedAtMs).toBeGreaterThan(a.generatedAtMs);
    // the tokens' expiry moves in steps of the TTL (an hour): a new step is a new version
    if (b.sourcesExpireAt === a.sourcesExpireAt) expect(b.version).toBe(a.version);
    else expect(b.version).not.toBe(a.version);
  });

  it('lists a parent that holds a file after the peers and before the origin', async () => {
    // a file e1 fetches itself: it is the first appliance of the site given it
    const placement = f.t.control.fill.placement;
    const file = placement
      .wantedOf('e1')
      .find((x) => x !== 'f0' && placement.wantersOf('edge', x)[0] === 'e1')!;
    await core.beat({ files: [file] });
    const sources = fileOf(await manifestOf(e1), file)?.sources;
    expect(sources?.map((s: { kind: string }) => s.kind)).toEqual(['parent', 'origin']);
    expect(sources[0]).toMatchObject({ applianceId: 'core1' });
    expect(tokenCheck(sources[0].url, '127.0.0.31')).toMatchObject({ ok: true });
  });

  it('drops what is not in the catalog, and what it was not given only once its holders have it', async () => {
    const onlyE2 = f.t.control.fill.placement
      .wantedOf('e2')
      .find((x) => !f.t.control.fill.placement.wantedOf('e1').includes(x));
    expect(onlyE2).toBeDefined();
    await e1.beat({ files: ['f0', 'gone', onlyE2!] });
    let m = await manifestOf(e1);
    expect(m.drop).toEqual(['gone']);
    await e2.beat({ files: ['f0', onlyE2!] });
    m = await manifestOf(e1);
    expect(m.drop).toEqual(['gone', onlyE2].sort());
  });
});

describe('the fleet changing', () => {
  it('an appliance that does not fill is left out of placement but is a source, until it asks', async () => {
    const plain = await f.appliance('plain', 'edge', '127.0.0.34');
    await plain.beat({ fill: null, files: ['f5'] });
    await plain.waitHealthy();
    f.t.control.fill.refresh();
    expect(f.t.control.fill.placement.places('plain')).toBe(false);
    const wanter = f.t.control.fill.placement.wantersOf('edge', 'f5')[0]!;
    const m = await manifestOf(wanter === 'e1' ? e1 : e2);
    expect(fileOf(m, 'f5').sources[0]).toMatchObject({ kind: 'peer', applianceId: 'plain' });
    // asking for its manifest is filling
    expect((await manifestOf(plain)).files.length).toBeGreaterThan(0);
    expect(f.t.control.fill.placement.places('plain')).toBe(true);
  });

  it('records the placement change of every appliance in the event log', async () => {
    const r = await f.viewer('GET', '/v1/events?limit=1000');
    const placements = r.json.events.filter((e: { kind: string }) => e.kind === 'placement');
    const ids = new Set(placements.map((e: { applianceId: string }) => e.applianceId));
    for (const id of ['e1', 'e2', 'core1', 'plain']) expect(ids.has(id), id).toBe(true);
    const joined = placements.find((e: { applianceId: string }) => e.applianceId === 'plain');
    expect(joined.detail).toMatchObject({ site: 'edge', removed: 0 });
    expect(joined.detail.wanted).toBeGreaterThan(0);
    const metrics = await f.t.control.metrics.registry.metrics();
    expect(metrics).toMatch(/ferry_control_placement_recomputes_total\{result="changed"\} [1-9]/);
    expect(metrics).toMatch(/ferry_control_fill_wanted_files\{appliance="plain"\} [1-9]/);
    // held by a serving appliance of the site: f0 (the seed's), and whatever else they reported
    expect(metrics).toMatch(/ferry_control_fill_live_files\{site="edge"\} [1-9]/);
    expect(metrics).toMatch(/ferry_control_fill_live_files\{site="core"\} 1\b/);
  });
});
