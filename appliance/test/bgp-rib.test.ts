import { describe, expect, it } from 'vitest';
import {
  AFI_IPV4,
  AFI_IPV6,
  MessageType,
  type PathAttributes,
  type Prefix,
  type UpdateMessage,
} from '../src/bgp/codec/types.js';
import { attrKey } from '../src/bgp/rib/attr-intern.js';
import { v4Addr, v4Key, v6Key, v6KeyBytes, v6ToString } from '../src/bgp/rib/prefix-key.js';
import { AdjRibIn, type RibChange } from '../src/bgp/rib/rib.js';

function p4(text: string): Prefix {
  const [addr, len] = text.split('/') as [string, string];
  const length = Number(len);
  const all = addr.split('.').map(Number);
  return { afi: AFI_IPV4, length, bytes: Uint8Array.from(all.slice(0, (length + 7) >> 3)) };
}

function p6(text: string): Prefix {
  const [addr, len] = text.split('/') as [string, string];
  const length = Number(len);
  // Enough for the test prefixes: full groups before '::'.
  const head = addr.split('::')[0]!.split(':').filter(Boolean);
  const bytes = new Uint8Array(16);
  head.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  return { afi: AFI_IPV6, length, bytes: bytes.slice(0, (length + 7) >> 3) };
}

const ATTRS: PathAttributes = {
  origin: 0,
  asPath: [{ type: 'sequence', asns: [65001, 65002] }],
  nextHop: '192.0.2.1',
  med: 10,
  communities: [(65000 << 16) | 1],
  largeCommunities: [[65000, 1, 2]],
};

function update(
  announced: Prefix[],
  attributes: PathAttributes = ATTRS,
  withdrawn: Prefix[] = [],
): UpdateMessage {
  return { type: MessageType.UPDATE, announced, withdrawn, attributes };
}

describe('prefix keys', () => {
  it('round-trips IPv4 keys at every length, keeping them small integers', () => {
    const addr = 0xc0a80100; // 192.168.1.0
    for (let len = 0; len <= 32; len++) {
      const masked = len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
      const key = v4Key(masked, len);
      expect(Number.isInteger(key) && key <= 0x7fffffff && key >= -0x80000000).toBe(true);
      expect(v4Addr(key, len)).toBe(masked);
    }
    expect(v4Addr(v4Key(0xffffffff, 32), 32)).toBe(0xffffffff);
  });

  it('IPv6 keys drop host bits and print in RFC 5952 form', () => {
    const a = v6Key(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0xff]), 36);
    const b = v6Key(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0xf0]), 36);
    expect(a).toBe(b);
    expect(v6ToString(v6KeyBytes(a))).toBe('2001:db8:f000::');
  });
});

describe('AdjRibIn', () => {
  it('installs, replaces and withdraws routes per peer', () => {
    const rib = new AdjRibIn();
    expect(rib.apply('a', update([p4('10.0.0.0/8'), p4('10.1.0.0/16'), p6('2001:db8::/32')]))).toEqual({
      announced: 3,
      withdrawn: 0,
    });
    rib.apply('b', update([p4('10.0.0.0/8')]));
    expect(rib.size()).toBe(4);
    expect(rib.size(AFI_IPV4)).toBe(3);
    expect(rib.size(AFI_IPV6)).toBe(1);
    // The same announcement again changes nothing.
    expect(rib.apply('a', update([p4('10.0.0.0/8')])).announced).toBe(0);
    rib.apply('a', update([], ATTRS, [p4('10.1.0.0/16'), p4('172.16.0.0/12')]));
    expect(rib.size(AFI_IPV4)).toBe(2);
    expect(rib.dropPeer('a')).toBe(2);
    expect(rib.dropPeer('a')).toBe(0);
    expect(rib.size()).toBe(1);
    expect(rib.peers()).toEqual(['b']);
  });

  it('tells whether any peer holds a prefix, exactly that length and family', () => {
    const rib = new AdjRibIn();
    rib.apply('a', update([p4('10.0.0.0/8'), p6('2001:db8::/32')]));
    rib.apply('b', update([p4('10.0.0.0/8'), p4('0.0.0.0/0')]));
    expect(rib.holds('10.0.0.0/8')).toBe(true);
    expect(rib.holds('0.0.0.0/0')).toBe(true);
    expect(rib.holds('2001:db8::/32')).toBe(true);
    // a covering or more specific prefix is not the same route
    expect(rib.holds('10.0.0.0/16')).toBe(false);
    expect(rib.holds('2001:db8::/48')).toBe(false);
    // ::ffff:10.0.0.0/104 is 10.0.0.0/8 written in IPv6 form (protocol's parseCidr)
    expect(rib.holds('::ffff:10.0.0.0/104')).toBe(true);
    expect(rib.holds('not a prefix')).toBe(false);
    rib.dropPeer('a');
    expect(rib.holds('10.0.0.0/8')).toBe(true);
    expect(rib.holds('2001:db8::/32')).toBe(false);
    rib.dropPeer('b');
    expect(rib.holds('10.0.0.0/8')).toBe(false);
  });

  it('shares one attribute set between prefixes and frees it with the last prefix', () => {
    const rib = new AdjRibIn();
    rib.apply('a', update([p4('10.0.0.0/8'), p4('11.0.0.0/8')]));
    rib.apply('b', update([p4('12.0.0.0/8')], { ...ATTRS }));
    expect(rib.attrs.size).toBe(1);
    rib.apply('a', update([p4('10.0.0.0/8')], { ...ATTRS, med: 20 }));
    expect(rib.attrs.size).toBe(2);
    rib.apply('a', update([], ATTRS, [p4('10.0.0.0/8')]));
    expect(rib.attrs.size).toBe(1);
    rib.dropPeer('a');
    rib.dropPeer('b');
    expect(rib.attrs.size).toBe(0);
    // An UPDATE whose prefixes were all already there leaves no orphan set behind.
    rib.apply('a', update([]));
    expect(rib.attrs.size).toBe(0);
  });

  it('keys attribute sets by content, not by object identity or field order', () => {
    const reordered: PathAttributes = {
      largeCommunities: [[65000, 1, 2]],
      communities: [(65000 << 16) | 1],
      med: 10,
      nextHop: '192.0.2.1',
      asPath: [{ type: 'sequence', asns: [65001, 65002] }],
      origin: 0,
    };
    expect(attrKey(reordered)).toBe(attrKey(ATTRS));
    expect(attrKey({ ...ATTRS, asPath: [{ type: 'set', asns: [65001, 65002] }] })).not.toBe(attrKey(ATTRS));
  });

  it('treat-as-withdraw removes the announced prefixes', () => {
    const rib = new AdjRibIn();
    rib.apply('a', update([p4('10.0.0.0/8'), p4('11.0.0.0/8')]));
    const res = rib.apply('a', { ...update([p4('10.0.0.0/8'), p4('12.0.0.0/8')]), treatAsWithdraw: true });
    expect(res).toEqual({ announced: 0, withdrawn: 1 });
    expect(rib.list({ limit: 10 }).routes.map((r) => r.prefix)).toEqual(['11.0.0.0/8']);
  });

  it('tells listeners about every change and nothing else', () => {
    const rib = new AdjRibIn();
    const seen: RibChange[] = [];
    rib.subscribe((c) => seen.push(c));
    rib.apply('a', update([p4('10.0.0.0/8')]));
    rib.apply('a', update([p4('10.0.0.0/8')]));
    rib.apply('a', update([], ATTRS, [p4('11.0.0.0/8')]));
    rib.apply('a', update([p4('10.0.0.0/8')], { ...ATTRS, med: 1 }));
    rib.dropPeer('a');
    expect(seen.map((c) => [c.peer, c.attrs ? 'announce' : 'withdraw'])).toEqual([
      ['a', 'announce'],
      ['a', 'announce'],
      ['a', 'withdraw'],
    ]);
  });

  it('lists routes with their attributes in address order', () => {
    const rib = new AdjRibIn();
    rib.apply('b', update([p4('10.0.0.0/8')]));
    rib.apply(
      'a',
      update([p6('2001:db8::/32')], { ...ATTRS, nextHop: undefined, mpNextHop: ['2001:db8::1'] }),
    );
    rib.apply('a', update([p4('10.0.0.0/8'), p4('9.0.0.0/8'), p4('10.0.0.0/16')]));
    const { routes, nextCursor } = rib.list({ limit: 10 });
    expect(nextCursor).toBeUndefined();
    expect(routes.map((r) => `${r.prefix} ${r.peer}`)).toEqual([
      '9.0.0.0/8 a',
      '10.0.0.0/8 a',
      '10.0.0.0/8 b',
      '10.0.0.0/16 a',
      '2001:db8::/32 a',
    ]);
    expect(routes[0]).toEqual({
      prefix: '9.0.0.0/8',
      peer: 'a',
      origin: 'igp',
      asPath: [65001, 65002],
      nextHop: '192.0.2.1',
      med: 10,
      localPref: null,
      communities: ['65000:1'],
      largeCommunities: ['65000:1:2'],
    });
    expect(routes[4]!.nextHop).toBe('2001:db8::1');
  });

  it('pages with a cursor through every route exactly once', () => {
    const rib = new AdjRibIn();
    const prefixes: Prefix[] = [];
    for (let i = 0; i < 500; i++) prefixes.push(p4(`${10 + (i % 7)}.${(i * 37) % 256}.${i % 256}.0/24`));
    rib.apply('a', update(prefixes));
    rib.apply('b', update(prefixes.slice(0, 100)));
    const total = rib.size();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = rib.list({ limit: 33, cursor });
      seen.push(...res.routes.map((r) => `${r.prefix} ${r.peer}`));
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('filters by family, by CIDR (within) and by address (contains)', () => {
    const rib = new AdjRibIn();
    rib.apply(
      'a',
      update([p4('10.0.0.0/8'), p4('10.1.0.0/16'), p4('10.1.2.0/24'), p4('11.0.0.0/8'), p6('2001:db8::/32')]),
    );
    const prefixes = (opts: Parameters<AdjRibIn['list']>[0]) => rib.list(opts).routes.map((r) => r.prefix);
    expect(prefixes({ limit: 10, afi: AFI_IPV6 })).toEqual(['2001:db8::/32']);
    expect(prefixes({ limit: 10, within: '10.1.0.0/16' })).toEqual(['10.1.0.0/16', '10.1.2.0/24']);
    expect(prefixes({ limit: 10, within: '2001:db8::/16' })).toEqual(['2001:db8::/32']);
    expect(prefixes({ limit: 10, contains: '10.1.2.3' })).toEqual([
      '10.0.0.0/8',
      '10.1.0.0/16',
      '10.1.2.0/24',
    ]);
    expect(prefixes({ limit: 10, contains: '10.2.0.1' })).toEqual(['10.0.0.0/8']);
    expect(prefixes({ limit: 10, contains: '2001:db8::1' })).toEqual(['2001:db8::/32']);
    expect(prefixes({ limit: 10, contains: '192.0.2.1' })).toEqual([]);
    expect(() => rib.list({ limit: 10, cursor: 'nope' })).toThrow(RangeError);
  });
});
