import { formatIpv6 } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import {
  addressBytes,
  decodeHeader,
  parsePrefix,
  prefixToString,
  splitMessages,
} from '../src/bgp/codec/codec.js';
import { AFI_IPV6, BgpError } from '../src/bgp/codec/types.js';

const parseIpv6 = (text: string): Uint8Array => addressBytes(AFI_IPV6, text);

describe('prefix text', () => {
  it.each([
    '0.0.0.0/0',
    '10.0.0.0/8',
    '203.0.113.0/24',
    '192.0.2.1/32',
    '::/0',
    '2001:db8::/32',
    '2001:db8:0:1::/64',
    '2001:db8::1/128',
    'fe80::/10',
  ])('%s round-trips', (text) => {
    expect(prefixToString(parsePrefix(text))).toBe(text);
  });

  it('keeps only the significant octets', () => {
    expect(parsePrefix('10.0.0.0/8').bytes).toEqual(Uint8Array.of(10));
    expect(parsePrefix('10.128.0.0/9').bytes).toEqual(Uint8Array.of(10, 128));
    expect(parsePrefix('0.0.0.0/0').bytes).toEqual(new Uint8Array(0));
  });

  it.each(['10.0.0.1/8', '10.0.0.0', '10.0.0.0/33', '2001:db8::/129', '2001:db8::1/64', '1.2.3/8', 'x/1'])(
    'rejects %s',
    (text) => {
      expect(() => parsePrefix(text)).toThrow(RangeError);
    },
  );

  it('reads IPv6 in all its forms and writes RFC 5952 text', () => {
    expect(formatIpv6(parseIpv6('2001:0DB8:0:0:0:0:0:1'))).toBe('2001:db8::1');
    expect(formatIpv6(parseIpv6('::ffff:192.0.2.1'))).toBe('::ffff:192.0.2.1');
    expect(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3'))).toBe('1:0:0:2::3');
    expect(formatIpv6(parseIpv6('1:0:2:3:4:5:6:7'))).toBe('1:0:2:3:4:5:6:7');
    expect(() => parseIpv6('1::2::3')).toThrow(RangeError);
    expect(() => parseIpv6('1:2:3:4:5:6:7:8:9')).toThrow(RangeError);
  });
});

describe('header', () => {
  const marker = 'ff'.repeat(16);
  it('reads length and type', () => {
    expect(decodeHeader(Buffer.from(`${marker}001304`, 'hex'))).toEqual({ length: 19, type: 4 });
  });

  it('splitMessages stops at a bad header with Connection Not Synchronized', () => {
    const bad = Buffer.from(`${marker}001304${'00'.repeat(19)}`, 'hex');
    expect(() => splitMessages(bad)).toThrow(BgpError);
    try {
      splitMessages(bad);
    } catch (e) {
      expect([(e as BgpError).code, (e as BgpError).subcode]).toEqual([1, 1]);
    }
  });
});
