import { describe, expect, it } from 'vitest';
import { AFI_IPV4, AFI_IPV6, MessageType, type PathAttributes, type Prefix } from '../src/bgp/codec/types.js';
import { RouteFeed } from '../src/bgp/report/feed.js';
import { AdjRibIn } from '../src/bgp/rib/rib.js';

function p4(a: number, b: number, len = 16): Prefix {
  return { afi: AFI_IPV4, length: len, bytes: Uint8Array.from([a, b]) };
}

const ATTRS: PathAttributes = {
  origin: 0,
  asPath: [{ type: 'sequence', asns: [65001, 65002] }],
  nextHop: '192.0.2.1',
};

function announce(rib: AdjRibIn, peer: string, prefixes: Prefix[], attributes = ATTRS): void {
  rib.apply(peer, { type: MessageType.UPDATE, withdrawn: [], announced: prefixes, attributes });
}

function withdraw(rib: AdjRibIn, peer: string, prefixes: Prefix[]): void {
  rib.apply(peer, { type: MessageType.UPDATE, withdrawn: prefixes, announced: [], attributes: {} });
}

describe('RouteFeed', () => {
  it('snapshots the union of peers at the current version', () => {
    const rib = new AdjRibIn();
    const feed = new RouteFeed(rib);
    expect(feed.snapshot()).toEqual({ epoch: feed.epoch, version: 0, routes: [] });
    announce(rib, 'a', [p4(10, 0), p4(10, 1)]);
    announce(rib, 'b', [p4(10, 0)]);
    rib.apply('a', {
      type: MessageType.UPDATE,
      withdrawn: [],
      announced: [{ afi: AFI_IPV6, length: 32, bytes: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8]) }],
      attributes: { ...ATTRS, mpNextHop: ['2001:db8::1'] },
    });
    const snap = feed.snapshot();
    expect(snap.version).toBe(4);
    expect(snap.routes.map((r) => `${r.prefix} ${r.peer}`).sort()).toEqual([
      '10.0.0.0/16 a',
      '10.0.0.0/16 b',
      '10.1.0.0/16 a',
      '2001:db8::/32 a',
    ]);
    expect(snap.routes[0]!.asPath).toEqual([65001, 65002]);
  });

  it('gives the changes since a version, each route once with its latest state', () => {
    const rib = new AdjRibIn();
    const feed = new RouteFeed(rib);
    announce(rib, 'a', [p4(10, 0), p4(10, 1)]);
    const v = feed.version;
    announce(rib, 'a', [p4(10, 2)]);
    withdraw(rib, 'a', [p4(10, 0), p4(99, 0)]);
    announce(rib, 'a', [p4(10, 1)], { ...ATTRS, asPath: [{ type: 'sequence', asns: [65009] }] });
    announce(rib, 'a', [p4(10, 3)]);
    withdraw(rib, 'a', [p4(10, 3)]);
    const d = feed.deltasSince(v);
    if ('resync' in d) throw new Error('unexpected resync');
    expect(d.version).toBe(v + 5);
    expect(d.since).toBe(v);
    expect(d.announced).toEqual([
      { prefix: '10.2.0.0/16', peer: 'a', asPath: [65001, 65002], localPref: null, med: null, origin: 'igp' },
      { prefix: '10.1.0.0/16', peer: 'a', asPath: [65009], localPref: null, med: null, origin: 'igp' },
    ]);
    expect(d.withdrawn).toEqual([
      { prefix: '10.0.0.0/16', peer: 'a' },
      { prefix: '10.3.0.0/16', peer: 'a' },
    ]);
    const none = feed.deltasSince(feed.version);
    expect(none).toMatchObject({ announced: [], withdrawn: [] });
  });

  it('withdraws every route of a peer that goes down', () => {
    const rib = new AdjRibIn();
    const feed = new RouteFeed(rib);
    announce(rib, 'a', [p4(10, 0), p4(10, 1)]);
    announce(rib, 'b', [p4(10, 0)]);
    const v = feed.version;
    rib.dropPeer('a');
    expect(feed.deltasSince(v)).toMatchObject({
      announced: [],
      withdrawn: [
        { prefix: '10.0.0.0/16', peer: 'a' },
        { prefix: '10.1.0.0/16', peer: 'a' },
      ],
    });
  });

  it('asks for a resync when the version fell out of the log, is unknown, or is from another epoch', () => {
    const rib = new AdjRibIn();
    const feed = new RouteFeed(rib, { maxLog: 10 });
    const prefixes: Prefix[] = [];
    for (let i = 0; i < 25; i++) prefixes.push(p4(10, i));
    announce(rib, 'a', prefixes);
    expect(feed.version).toBe(25);
    expect(feed.logSize).toBe(10);
    expect(feed.deltasSince(14)).toMatchObject({ resync: true, version: 25 });
    const d = feed.deltasSince(15);
    expect('resync' in d ? [] : d.announced.map((r) => r.prefix)).toHaveLength(10);
    expect(feed.deltasSince(26)).toMatchObject({ resync: true });
    expect(feed.deltasSince(20, 'another-epoch')).toMatchObject({ resync: true });
    // The log keeps working across its compaction.
    for (let i = 0; i < 25; i++) withdraw(rib, 'a', [p4(10, i)]);
    const w = feed.deltasSince(45);
    expect('resync' in w ? null : w.withdrawn.map((r) => r.prefix)).toEqual([
      '10.20.0.0/16',
      '10.21.0.0/16',
      '10.22.0.0/16',
      '10.23.0.0/16',
      '10.24.0.0/16',
    ]);
  });

  it('stops following the RIB once closed', () => {
    const rib = new AdjRibIn();
    const feed = new RouteFeed(rib);
    feed.close();
    announce(rib, 'a', [p4(10, 0)]);
    expect(feed.version).toBe(0);
  });
});
