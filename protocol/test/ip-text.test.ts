import { describe, expect, it } from 'vitest';
import { parseIpv4, parseIpv6 } from '../src/cidr.js';
import { formatIp, formatIpv4, formatIpv6 } from '../src/ip-text.js';

describe('one family at a time (the BGP codec reads and writes addresses this way)', () => {
  it('parses IPv4 strictly', () => {
    expect(parseIpv4('192.0.2.1')).toEqual(Uint8Array.of(192, 0, 2, 1));
    for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '256.0.0.1', '::1', '', '1.2.3.x']) {
      expect(parseIpv4(bad), bad).toBeNull();
    }
  });

  it('keeps IPv4-mapped IPv6 as 16 bytes and refuses zones', () => {
    const mapped = parseIpv6('::ffff:192.0.2.1');
    expect(mapped).toHaveLength(16);
    expect(formatIpv6(mapped!)).toBe('::ffff:192.0.2.1');
    expect(parseIpv6('fe80::1%eth0')).toBeNull();
    expect(parseIpv6('192.0.2.1')).toBeNull();
    expect(parseIpv6('1::2::3')).toBeNull();
    expect(parseIpv6('1:2:3:4:5:6:7:8:9')).toBeNull();
  });

  it('writes RFC 5952 text', () => {
    expect(formatIpv6(parseIpv6('2001:0DB8:0:0:0:0:0:1')!)).toBe('2001:db8::1');
    expect(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatIpv6(parseIpv6('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7');
    expect(formatIp(parseIpv4('10.1.2.3')!)).toBe('10.1.2.3');
  });

  it('reads an address in place at an offset', () => {
    const buf = Uint8Array.of(9, 9, 10, 0, 0, 1, ...parseIpv6('2001:db8::7')!);
    expect(formatIpv4(buf, 2)).toBe('10.0.0.1');
    expect(formatIpv6(buf, 6)).toBe('2001:db8::7');
    expect(() => formatIpv6(buf, 7)).toThrow(RangeError);
  });
});
