import { describe, expect, it } from 'vitest';
import { sourceAddresses } from '../src/fleet/source-addresses.js';

describe('sourceAddresses', () => {
  it('gives distinct host addresses, skipping network and broadcast', () => {
    expect(sourceAddresses('127.64.0.0/16', 3)).toEqual(['127.64.0.1', '127.64.0.2', '127.64.0.3']);
    const all = sourceAddresses('127.64.0.0/16', 65_534);
    expect(new Set(all).size).toBe(65_534);
    expect(all.at(-1)).toBe('127.64.255.254');
  });

  it('repeats when the prefix is smaller than the fleet', () => {
    expect(sourceAddresses('10.0.0.0/30', 4)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2']);
    expect(sourceAddresses('127.1.2.3/32', 2)).toEqual(['127.1.2.3', '127.1.2.3']);
    expect(sourceAddresses('127.1.2.0/31', 3)).toEqual(['127.1.2.0', '127.1.2.1', '127.1.2.0']);
  });

  it('ignores host bits and refuses non-IPv4 or malformed prefixes', () => {
    expect(sourceAddresses('127.9.9.9/24', 1)).toEqual(['127.9.9.1']);
    expect(() => sourceAddresses('127.0.0.1', 1)).toThrow(/CIDR/);
    expect(() => sourceAddresses('fd00::/64', 1)).toThrow(/IPv4/);
  });
});
