// encodeUpdates/encodeWithdrawals pack many prefixes into as few UPDATEs as fit 4096 octets.
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeEndOfRib,
  encodeUpdates,
  encodeWithdrawals,
  parsePrefix,
  prefixToString,
} from '../src/bgp/codec/codec.js';
import type { PathAttributes, Prefix, UpdateMessage } from '../src/bgp/codec/types.js';

function v4Prefixes(n: number): Prefix[] {
  const out: Prefix[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) out.push(parsePrefix(`10.${(i >> 8) & 255}.${i & 255}.0/24`));
    else if (i % 3 === 1) out.push(parsePrefix(`100.64.${(i >> 8) & 255}.${i & 255}/32`));
    else out.push(parsePrefix(`172.${16 + (i >> 12)}.${(i >> 4) & 255}.${(i & 15) << 4}/28`));
  }
  return out;
}

function v6Prefixes(n: number): Prefix[] {
  return Array.from({ length: n }, (_, i) => parsePrefix(`2001:db8:${i.toString(16)}::/48`));
}

const attrs: PathAttributes = {
  origin: 0,
  asPath: [{ type: 'sequence', asns: [65001, 4200000001] }],
  nextHop: '192.0.2.1',
  mpNextHop: ['2001:db8::1', 'fe80::1'],
  communities: [65001 * 65536 + 1],
};

const keys = (ps: Prefix[]) => ps.map(prefixToString).sort();

describe.each([
  { name: '4-octet', ctx: { fourOctetAs: true } },
  { name: '2-octet', ctx: { fourOctetAs: false } },
])('packing on a $name session', ({ ctx }) => {
  const v4 = v4Prefixes(10_000);
  const v6 = v6Prefixes(2_000);

  it('10,000 IPv4 and 2,000 IPv6 prefixes fit messages of at most 4096 octets and decode back', () => {
    const msgs = encodeUpdates([...v4, ...v6], attrs, ctx);
    const got: Prefix[] = [];
    for (const buf of msgs) {
      expect(buf.length).toBeLessThanOrEqual(4096);
      const m = decodeMessage(buf, ctx) as UpdateMessage;
      expect(m.problems).toBeUndefined();
      expect(m.attributes.asPath).toEqual(attrs.asPath);
      expect(m.attributes.communities).toEqual(attrs.communities);
      if (m.announced[0]!.afi === 1) expect(m.attributes.nextHop).toBe('192.0.2.1');
      else expect(m.attributes.mpNextHop).toEqual(attrs.mpNextHop);
      got.push(...m.announced);
    }
    expect(keys(got)).toEqual(keys([...v4, ...v6]));
    // as few messages as fit: every message but the last of each family is nearly full
    const full = msgs.filter((b) => b.length > 4096 - 17).length;
    expect(full).toBeGreaterThanOrEqual(msgs.length - 2);
  });

  it('withdrawals pack the same way', () => {
    const msgs = encodeWithdrawals([...v4, ...v6]);
    const got: Prefix[] = [];
    for (const buf of msgs) {
      expect(buf.length).toBeLessThanOrEqual(4096);
      const m = decodeMessage(buf, ctx) as UpdateMessage;
      expect(m.announced).toEqual([]);
      got.push(...m.withdrawn);
    }
    expect(keys(got)).toEqual(keys([...v4, ...v6]));
  });
});

describe('End-of-RIB', () => {
  it('encodes both families so that they decode as End-of-RIB', () => {
    const v4 = decodeMessage(encodeEndOfRib(1, 1), { fourOctetAs: true }) as UpdateMessage;
    const v6 = decodeMessage(encodeEndOfRib(2, 1), { fourOctetAs: true }) as UpdateMessage;
    expect([v4.endOfRib, v6.endOfRib]).toEqual([
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ]);
  });
});
