// Byte-for-byte vectors assembled by hand from the RFC layouts (RFC 4271 §4, RFC 4760 §3,
// RFC 5492 §4, RFC 6793 §3), checked against both the encoder and the decoder.
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, parsePrefix } from '../src/bgp/codec/codec.js';
import {
  type BgpMessage,
  MessageType,
  type OpenMessage,
  type UpdateMessage,
} from '../src/bgp/codec/types.js';

const MARKER = 'ff'.repeat(16);
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const four = { fourOctetAs: true };
const two = { fourOctetAs: false };

/** The vector is what the encoder writes for `m`, and what the decoder reads back as `m`. */
function bothWays(bytes: Buffer, m: BgpMessage, ctx: typeof four): void {
  expect(encodeMessage(m, ctx).toString('hex')).toBe(bytes.toString('hex'));
  expect(decodeMessage(bytes, ctx)).toEqual(m);
}

describe('hand-assembled vectors', () => {
  it('KEEPALIVE is the bare header', () => {
    const bytes = hex(`${MARKER} 0013 04`);
    expect(encodeMessage({ type: MessageType.KEEPALIVE }, four)).toEqual(bytes);
    expect(decodeMessage(bytes, four)).toEqual({ type: MessageType.KEEPALIVE });
  });

  it('OPEN with multiprotocol IPv4 and IPv6, route refresh and 4-octet AS', () => {
    const bytes = hex(`${MARKER} 0033 01
      04 fde9 005a c0000201 16
      02 14  01 04 0001 00 01  01 04 0002 00 01  02 00  41 04 0000fde9`);
    const open: OpenMessage = {
      type: MessageType.OPEN,
      version: 4,
      myAs: 65001,
      holdTimeSec: 90,
      routerId: '192.0.2.1',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'four-octet-as', asn: 65001 },
      ],
    };
    bothWays(bytes, open, four);
  });

  it('OPEN with capabilities spread over several parameters decodes the same', () => {
    const bytes = hex(`${MARKER} 0023 01 04 fde9 005a c0000201 06 02 02 0200 02 00`);
    const m = decodeMessage(bytes, four) as OpenMessage;
    expect(m.capabilities).toEqual([{ kind: 'route-refresh' }]);
  });

  const update: UpdateMessage = {
    type: MessageType.UPDATE,
    withdrawn: [],
    attributes: {
      origin: 0,
      asPath: [{ type: 'sequence', asns: [65001, 65002] }],
      nextHop: '192.0.2.1',
      communities: [65001 * 65536 + 100],
    },
    announced: [parsePrefix('203.0.113.0/24')],
  };

  it('UPDATE with ORIGIN, AS_PATH, NEXT_HOP, COMMUNITIES and one /24, 4-octet AS', () => {
    const bytes = hex(`${MARKER} 003a 02 0000 001f
      40 01 01 00
      40 02 0a 02 02 0000fde9 0000fdea
      40 03 04 c0000201
      c0 08 04 fde90064
      18 cb0071`);
    bothWays(bytes, update, four);
  });

  it('the same UPDATE with 2-octet AS numbers', () => {
    const bytes = hex(`${MARKER} 0036 02 0000 001b
      40 01 01 00
      40 02 06 02 02 fde9 fdea
      40 03 04 c0000201
      c0 08 04 fde90064
      18 cb0071`);
    bothWays(bytes, update, two);
  });

  it('IPv6 MP_REACH_NLRI with a global and a link-local next hop', () => {
    const bytes = hex(`${MARKER} 0053 02 0000 003c
      80 0e 2c 0002 01 20
        20010db8000000000000000000000001 fe800000000000000000000000000001 00
        30 20010db80001
      40 01 01 00
      40 02 06 02 01 0000fde9`);
    const m: UpdateMessage = {
      type: MessageType.UPDATE,
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [{ type: 'sequence', asns: [65001] }],
        mpNextHop: ['2001:db8::1', 'fe80::1'],
      },
      announced: [parsePrefix('2001:db8:1::/48')],
    };
    bothWays(bytes, m, four);
  });

  it('MP_UNREACH_NLRI withdraws IPv6 prefixes', () => {
    const bytes = hex(`${MARKER} 0029 02 0000 0012 80 0f 0f 0002 01 30 20010db80001 20 20010db8`);
    const m = decodeMessage(bytes, four) as UpdateMessage;
    expect(m.withdrawn).toEqual([parsePrefix('2001:db8:1::/48'), parsePrefix('2001:db8::/32')]);
    expect(m.endOfRib).toBeUndefined();
  });

  it('End-of-RIB markers for IPv4 and IPv6 unicast (RFC 4724 §2)', () => {
    const v4 = decodeMessage(hex(`${MARKER} 0017 02 0000 0000`), four) as UpdateMessage;
    expect(v4.endOfRib).toEqual({ afi: 1, safi: 1 });
    const v6 = decodeMessage(hex(`${MARKER} 001d 02 0000 0006 80 0f 03 0002 01`), four) as UpdateMessage;
    expect(v6.endOfRib).toEqual({ afi: 2, safi: 1 });
    expect(v6.withdrawn).toEqual([]);
  });

  it('NOTIFICATION and ROUTE-REFRESH', () => {
    const n = hex(`${MARKER} 0017 03 02 02 fde9`);
    expect(decodeMessage(n, four)).toEqual({ type: 3, code: 2, subcode: 2, data: Uint8Array.of(0xfd, 0xe9) });
    expect(encodeMessage({ type: 3, code: 2, subcode: 2, data: Uint8Array.of(0xfd, 0xe9) }, four)).toEqual(n);
    const r = hex(`${MARKER} 0017 05 0002 00 01`);
    expect(decodeMessage(r, four)).toEqual({ type: 5, afi: 2, safi: 1 });
    expect(encodeMessage({ type: 5, afi: 2, safi: 1 }, four)).toEqual(r);
  });

  it('unknown optional transitive attributes are kept with Partial set; non-transitive ones are skipped', () => {
    const bytes = hex(`${MARKER} 0039 02 0000 001e
      40 01 01 00  40 02 00  40 03 04 c0000201
      c0 63 02 abcd
      80 64 03 010203
      d0 65 0001 ee
      18 cb0071`);
    const m = decodeMessage(bytes, four) as UpdateMessage;
    expect(m.attributes.asPath).toEqual([]);
    expect(m.attributes.unknown).toEqual([
      { flags: 0xe0, code: 0x63, value: Uint8Array.of(0xab, 0xcd) },
      { flags: 0xe0, code: 0x65, value: Uint8Array.of(0xee) },
    ]);
    expect(m.problems).toBeUndefined();
  });

  it('host bits in received prefixes are cleared (RFC 4271 §4.3)', () => {
    const bytes = hex(`${MARKER} 001b 02 0000 0000 13 0a0001`);
    const m = decodeMessage(bytes, four) as UpdateMessage;
    expect(m.announced).toEqual([parsePrefix('10.0.0.0/19')]);
  });
});
