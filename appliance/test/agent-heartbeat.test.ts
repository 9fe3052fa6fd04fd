import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Heartbeat, type HeartbeatReply } from '@ferry/protocol';
import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY_BPS, HeartbeatBuilder } from '../src/agent/heartbeat.js';
import { InventoryFeed } from '../src/agent/inventory-feed.js';
import { LoadSampler } from '../src/agent/load.js';
import { AFI_IPV4, MessageType, type Prefix } from '../src/bgp/codec/types.js';
import { RouteFeed } from '../src/bgp/report/feed.js';
import { AdjRibIn } from '../src/bgp/rib/rib.js';
import { ContentStore } from '../src/store/store.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const OK: HeartbeatReply = {
  routesResync: false,
  inventoryResync: false,
  health: 'healthy',
  intervalMs: 1000,
};

function p4(a: number, b: number): Prefix {
  return { afi: AFI_IPV4, length: 16, bytes: Uint8Array.from([a, b]) };
}

function announce(rib: AdjRibIn, peer: string, prefixes: Prefix[]): void {
  rib.apply(peer, {
    type: MessageType.UPDATE,
    withdrawn: [],
    announced: prefixes,
    attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '192.0.2.1' },
  });
}

function withdraw(rib: AdjRibIn, peer: string, prefixes: Prefix[]): void {
  rib.apply(peer, { type: MessageType.UPDATE, withdrawn: prefixes, announced: [], attributes: {} });
}

function setup(opts: { bgp?: boolean; maxLog?: number; partRoutes?: number } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'ferry-hb-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const store = ContentStore.open([join(root, 'ssd0')], { checkIntervalMs: 0, flushIntervalMs: 0 });
  cleanups.push(() => store.close());
  const inventory = new InventoryFeed(store);
  const rib = new AdjRibIn();
  const feed = new RouteFeed(rib, { maxLog: opts.maxLog });
  let bytes = 0;
  const builder = new HeartbeatBuilder({
    url: 'http://127.0.0.11:8080',
    site: 'isp-a',
    version: '0.1.0',
    state: () => 'serving',
    disks: () => store.stats().disks,
    load: new LoadSampler({ bytesSent: () => bytes, connections: () => 2 }),
    inventory,
    routes: opts.bgp === false ? undefined : { feed, rib },
    firstSeq: 1,
    ...(opts.partRoutes ? { partRoutes: opts.partRoutes } : {}),
  });
  const put = async (id: string) => {
    const src = join(root, `src-${id}`);
    writeFileSync(src, `bytes of ${id}`);
    await store.add(src, id);
  };
  const build = async () => {
    bytes += 1000;
    const hb = await builder.build();
    expect(Value.Check(Heartbeat, hb)).toBe(true);
    return hb;
  };
  return { store, rib, feed, builder, put, build };
}

describe('HeartbeatBuilder', () => {
  it('sends the full inventory and a route snapshot first, deltas once control has them', async () => {
    const { rib, builder, put, build } = setup();
    await put('a');
    announce(rib, 'peer1', [p4(10, 0), p4(10, 1)]);
    const first = await build();
    expect(first).toMatchObject({
      url: 'http://127.0.0.11:8080',
      site: 'isp-a',
      version: '0.1.0',
      state: 'serving',
      seq: 1,
      capacity: { bitsPerSecond: DEFAULT_CAPACITY_BPS },
      load: { bitsPerSecond: 0, connections: 2 },
      inventory: { kind: 'full', version: 1, files: ['a'] },
      routes: { kind: 'snapshot', version: 2 },
    });
    expect(first.disks).toHaveLength(1);
    expect(first.disks[0]).toMatchObject({ state: 'ok' });
    if (first.routes?.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(first.routes.routes.map((r) => r.prefix).sort()).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    expect(first.routes.routes[0]).toMatchObject({ peer: 'peer1', asPath: [65001] });

    builder.delivered(first, OK);
    await put('b');
    announce(rib, 'peer1', [p4(10, 2)]);
    withdraw(rib, 'peer1', [p4(10, 0)]);
    const second = await build();
    expect(second.seq).toBe(2);
    expect(second.inventory).toEqual({ kind: 'delta', since: 1, version: 2, added: ['b'], removed: [] });
    expect(second.routes).toMatchObject({ kind: 'delta', since: 2, version: 4, withdrawn: ['10.0.0.0/16'] });
    if (second.routes?.kind !== 'delta') throw new Error('expected a delta');
    expect(second.routes.announced.map((r) => r.prefix)).toEqual(['10.2.0.0/16']);

    builder.delivered(second, OK);
    const quiet = await build();
    expect(quiet.inventory).toEqual({ kind: 'delta', since: 2, version: 2, added: [], removed: [] });
    expect(quiet.routes).toMatchObject({ kind: 'delta', since: 4, version: 4, announced: [], withdrawn: [] });
  });

  it('repeats undelivered changes in the next heartbeat', async () => {
    const { builder, put, build } = setup();
    builder.delivered(await build(), OK);
    await put('a');
    const lost = await build();
    builder.failed(lost);
    await put('b');
    const next = await build();
    expect(next.seq).toBe(lost.seq + 1);
    expect(next.inventory).toMatchObject({ kind: 'delta', since: 0, version: 2 });
    if (next.inventory?.kind !== 'delta') throw new Error('expected a delta');
    expect(next.inventory.added.sort()).toEqual(['a', 'b']);
  });

  it('sends full lists again when control asks for a resync', async () => {
    const { rib, builder, put, build } = setup();
    builder.delivered(await build(), OK);
    await put('a');
    announce(rib, 'peer1', [p4(10, 0)]);
    const hb = await build();
    expect(hb.inventory?.kind).toBe('delta');
    builder.delivered(hb, { ...OK, inventoryResync: true });
    const inv = await build();
    expect(inv.inventory).toEqual({ kind: 'full', version: 1, files: ['a'] });
    expect(inv.routes?.kind).toBe('delta');
    builder.delivered(inv, { ...OK, routesResync: true });
    const routes = await build();
    expect(routes.inventory?.kind).toBe('delta');
    expect(routes.routes).toMatchObject({ kind: 'snapshot', version: 1 });
  });

  it('takes a snapshot when the feed can no longer give a delta', async () => {
    const { rib, builder, build } = setup({ maxLog: 2 });
    builder.delivered(await build(), OK);
    announce(rib, 'peer1', [p4(10, 0), p4(10, 1), p4(10, 2)]);
    const hb = await build();
    expect(hb.routes).toMatchObject({ kind: 'snapshot', version: 3 });
  });

  it("does not withdraw a prefix that another peer still announces, and reports that peer's route", async () => {
    const { rib, builder, build } = setup();
    announce(rib, 'peer1', [p4(10, 0), p4(10, 1)]);
    announce(rib, 'peer2', [p4(10, 0)]);
    builder.delivered(await build(), OK);
    rib.dropPeer('peer1');
    const hb = await build();
    // 10.0.0.0/16 stays, now by peer2's route (what steering ranks on may have changed).
    expect(hb.routes).toMatchObject({
      kind: 'delta',
      announced: [{ prefix: '10.0.0.0/16', peer: 'peer2' }],
      withdrawn: ['10.1.0.0/16'],
    });
    builder.delivered(hb, OK);
    rib.dropPeer('peer2');
    expect((await build()).routes).toMatchObject({ withdrawn: ['10.0.0.0/16'] });
  });

  it('pages a large snapshot, one confirmed part per heartbeat, and restarts it on a resync', async () => {
    const { rib, builder, build } = setup({ partRoutes: 2 });
    announce(rib, '192.0.2.1', [p4(10, 1), p4(10, 2), p4(10, 3), p4(10, 4), p4(10, 5)]);
    const parts: string[][] = [];
    let hb = await build();
    // A lost reply: the same part goes again.
    builder.failed(hb);
    hb = await build();
    expect(hb.routes).toMatchObject({ kind: 'snapshot', part: { index: 0, count: 3 } });
    for (let i = 0; i < 3; i++) {
      if (hb.routes?.kind !== 'snapshot') throw new Error('expected a snapshot part');
      expect(hb.routes.part).toEqual({ index: i, count: 3 });
      parts.push(hb.routes.routes.map((r) => r.prefix));
      // Routes learned while paging come after, in a delta: the parts stay one frozen version.
      if (i === 1) announce(rib, '192.0.2.1', [p4(10, 6)]);
      builder.delivered(hb, { ...OK, routesNext: i < 2 });
      hb = await build();
    }
    expect(parts.flat().sort()).toEqual([
      '10.1.0.0/16',
      '10.2.0.0/16',
      '10.3.0.0/16',
      '10.4.0.0/16',
      '10.5.0.0/16',
    ]);
    expect(hb.routes).toMatchObject({ kind: 'delta', announced: [{ prefix: '10.6.0.0/16' }] });

    // A delta larger than a part goes as a paged snapshot instead.
    builder.delivered(hb, OK);
    announce(rib, '192.0.2.1', [p4(10, 7), p4(10, 8), p4(10, 9)]);
    hb = await build();
    expect(hb.routes).toMatchObject({ kind: 'snapshot', part: { index: 0, count: 5 } });
    builder.delivered(hb, { ...OK, routesNext: true });
    hb = await build();
    expect(hb.routes).toMatchObject({ part: { index: 1 } });
    builder.delivered(hb, { ...OK, routesResync: true });
    hb = await build();
    expect(hb.routes).toMatchObject({ kind: 'snapshot', part: { index: 0, count: 5 } });
  });

  it('leaves routes out without BGP', async () => {
    const { build } = setup({ bgp: false });
    const hb = await build();
    expect(hb.routes).toBeUndefined();
    expect(hb.inventory?.kind).toBe('full');
  });
});
