import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  parsePrefix,
  peerAsFromOpen,
  prefixToString,
  splitMessages,
} from '../src/bgp/codec/codec.js';
import {
  type BgpMessage,
  MessageType,
  type OpenMessage,
  type PathAttributes,
  type UpdateMessage,
} from '../src/bgp/codec/types.js';

const four = { fourOctetAs: true };
const two = { fourOctetAs: false };

function roundTrip(m: BgpMessage, ctx = four): BgpMessage {
  return decodeMessage(encodeMessage(m, ctx), ctx);
}

const open: OpenMessage = {
  type: MessageType.OPEN,
  version: 4,
  myAs: 23456,
  holdTimeSec: 90,
  routerId: '192.0.2.1',
  capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'route-refresh' },
    { kind: 'four-octet-as', asn: 4200000001 },
    {
      kind: 'graceful-restart',
      restartState: true,
      restartTimeSec: 120,
      families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
    },
    { kind: 'unknown', code: 73, value: Uint8Array.of(1, 2, 3) },
  ],
};

const fullAttrs: PathAttributes = {
  origin: 0,
  asPath: [
    { type: 'sequence', asns: [64500, 4200000001, 65001] },
    { type: 'set', asns: [1, 2] },
  ],
  nextHop: '192.0.2.254',
  med: 50,
  localPref: 200,
  atomicAggregate: true,
  aggregator: { asn: 4200000002, address: '198.51.100.1' },
  communities: [65000 * 65536 + 1, 0xffffff01],
  largeCommunities: [[4200000001, 1, 2]],
  unknown: [{ flags: 0xe0, code: 99, value: Uint8Array.of(9, 9) }],
};

describe('round trip of every message type', () => {
  it('KEEPALIVE', () => {
    expect(roundTrip({ type: MessageType.KEEPALIVE })).toEqual({ type: MessageType.KEEPALIVE });
  });

  it('OPEN with every capability', () => {
    const back = roundTrip(open) as OpenMessage;
    expect(back).toEqual(open);
    expect(peerAsFromOpen(back)).toBe(4200000001);
  });

  it('OPEN without 4-octet AS gives My Autonomous System as the peer AS', () => {
    expect(peerAsFromOpen({ ...open, myAs: 65001, capabilities: [] })).toBe(65001);
  });

  it('NOTIFICATION', () => {
    const n = { type: MessageType.NOTIFICATION, code: 6, subcode: 2, data: Uint8Array.of(1, 2) } as const;
    expect(roundTrip(n)).toEqual(n);
  });

  it('ROUTE-REFRESH', () => {
    const r = { type: MessageType.ROUTE_REFRESH, afi: 2, safi: 1 } as const;
    expect(roundTrip(r)).toEqual(r);
  });

  it('UPDATE with every attribute, 4-octet session', () => {
    const u: UpdateMessage = {
      type: MessageType.UPDATE,
      withdrawn: [parsePrefix('10.9.0.0/16'), parsePrefix('2001:db8:9::/48')],
      attributes: { ...fullAttrs, mpNextHop: ['2001:db8::1', 'fe80::1'] },
      announced: [parsePrefix('2001:db8:1::/48'), parsePrefix('203.0.113.0/24'), parsePrefix('0.0.0.0/0')],
    };
    const back = roundTrip(u) as UpdateMessage;
    expect(back.attributes).toEqual(u.attributes);
    expect(back.announced.map(prefixToString).sort()).toEqual(u.announced.map(prefixToString).sort());
    expect(back.withdrawn.map(prefixToString).sort()).toEqual(u.withdrawn.map(prefixToString).sort());
    expect(back.treatAsWithdraw).toBeUndefined();
    expect(back.problems).toBeUndefined();
  });

  it('UPDATE with 4-octet ASNs on a 2-octet session goes through AS4_PATH and AS4_AGGREGATOR', () => {
    const u: UpdateMessage = {
      type: MessageType.UPDATE,
      withdrawn: [],
      attributes: fullAttrs,
      announced: [parsePrefix('203.0.113.0/24')],
    };
    const back = roundTrip(u, two) as UpdateMessage;
    expect(back.attributes.asPath).toEqual(fullAttrs.asPath);
    expect(back.attributes.aggregator).toEqual(fullAttrs.aggregator);
  });

  it('an UPDATE too large for 4096 octets is refused; encodeUpdates is the way', () => {
    const announced = Array.from({ length: 1100 }, (_, i) => parsePrefix(`10.${i >> 8}.${i & 255}.0/24`));
    const u: UpdateMessage = { type: MessageType.UPDATE, withdrawn: [], attributes: fullAttrs, announced };
    expect(() => encodeMessage(u, four)).toThrow(RangeError);
  });

  it('splitMessages frames a stream cut anywhere', () => {
    const stream = Buffer.concat([
      encodeMessage(open, four),
      encodeMessage({ type: MessageType.KEEPALIVE }, four),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const a = splitMessages(stream.subarray(0, cut));
      const b = splitMessages(Buffer.concat([a.rest, stream.subarray(cut)]));
      expect(a.messages.length + b.messages.length).toBe(2);
      expect(b.rest.length).toBe(0);
    }
  });
});
