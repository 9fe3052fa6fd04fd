// Neighbor configuration from `ferry appliance` flags and from a --bgp-config JSON file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  peerKey,
  settingsFromFlags,
  settingsFromJson,
} from '../src/bgp/session/neighbors.js';

const listen = { host: '127.0.0.1', port: 1179 };

describe('bgp neighbors from flags', () => {
  it('no BGP flag means BGP off', () => {
    expect(settingsFromFlags({})).toBeUndefined();
  });

  it('--bgp-listen --asn --peer-asn --bgp-peer any: one passive neighbor accepting any address', () => {
    const s = settingsFromFlags({ bgpListen: listen, asn: 65000, peerAsn: 65001, bgpPeer: 'any' })!;
    expect(s.listen).toEqual(listen);
    expect(s.neighbors).toEqual([
      {
        address: '*',
        port: 179,
        peerAs: 65001,
        localAs: 65000,
        routerId: '127.0.0.1',
        mode: 'passive',
        holdTimeSec: 90,
        openWaitSec: 10,
        connectRetrySec: 5,
        // RFC 4724 receiving-speaker procedures are on by default.
        gracefulRestart: { restartTimeSec: 120, staleTimeSec: 360 },
      },
    ]);
    expect(peerKey(s.neighbors[0]!)).toBe('*/AS65001');
  });

  it('--bgp-peer restricts the neighbor to one address; --bgp-router-id and --bgp-hold-time apply', () => {
    const s = settingsFromFlags({
      bgpListen: { host: '0.0.0.0', port: 179 },
      asn: 65000,
      peerAsn: 65001,
      bgpPeer: '2001:DB8::0:1',
      bgpRouterId: '10.1.1.1',
      bgpHoldTime: 30,
    })!;
    expect(s.neighbors[0]).toMatchObject({ address: '2001:db8::1', routerId: '10.1.1.1', holdTimeSec: 30 });
    expect(peerKey(s.neighbors[0]!)).toBe('2001:db8::1');
  });

  it('names the missing or bad flag with FERRY_ERR_BGP_CONFIG', () => {
    const cases: [Parameters<typeof settingsFromFlags>[0], RegExp][] = [
      [{ asn: 65000, peerAsn: 65001 }, /--bgp-listen/],
      [{ bgpListen: listen, peerAsn: 65001 }, /--asn/],
      [{ bgpListen: listen, asn: 65000 }, /--peer-asn/],
      [{ bgpListen: listen, asn: 65000, peerAsn: 65001, bgpPeer: 'router.example' }, /address/],
      [{ bgpListen: listen, asn: 65000, peerAsn: 65001, bgpPeer: 'any', bgpHoldTime: 2 }, /holdTime/],
      [{ bgpListen: listen, asn: 65000, peerAsn: 65001, bgpPeer: 'any', bgpRouterId: '0.0.0.0' }, /routerId/],
      [{ bgpConfig: '/x.json', peerAsn: 1 }, /do not combine/],
    ];
    for (const [flags, message] of cases) {
      expect(() => settingsFromFlags(flags)).toThrowError(message);
      try {
        settingsFromFlags(flags);
      } catch (err) {
        expect((err as { code: string }).code).toBe('FERRY_ERR_BGP_CONFIG');
      }
    }
  });
});

describe('bgp neighbors from a JSON file', () => {
  it('reads listen, defaults and several neighbors, active and passive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-bgp-'));
    try {
      const file = join(dir, 'bgp.json');
      writeFileSync(
        file,
        JSON.stringify({
          listen: '[::1]:1179',
          asn: 4200000001,
          routerId: '10.0.0.1',
          neighbors: [
            { address: '192.0.2.1', peerAsn: 65001 },
            {
              address: '192.0.2.2',
              peerAsn: 65002,
              mode: 'active',
              port: 1790,
              holdTime: 0,
              connectRetry: 2,
            },
          ],
        }),
      );
      const s = settingsFromFlags({ bgpConfig: file })!;
      expect(s.listen).toEqual({ host: '::1', port: 1179 });
      expect(s.neighbors.map((n) => [n.address, n.mode, n.port, n.localAs, n.holdTimeSec])).toEqual([
        ['192.0.2.1', 'passive', 179, 4200000001, 90],
        ['192.0.2.2', 'active', 1790, 4200000001, 0],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bare list of neighbors takes --asn and --bgp-listen from the flags', () => {
    const s = settingsFromJson([{ address: '127.0.0.1', peerAsn: 65001 }], 'f.json', {
      asn: 65000,
      bgpListen: listen,
    });
    expect(s.neighbors[0]).toMatchObject({ localAs: 65000, peerAs: 65001, mode: 'passive' });
  });

  it('refuses typos, duplicates, a wildcard active neighbor and passive neighbors without a listener', () => {
    const base = { listen: '127.0.0.1:1179', asn: 65000 };
    const cases: [unknown, RegExp][] = [
      [{ ...base, neighbours: [] }, /unknown field/],
      [
        { ...base, neighbors: [{ address: '127.0.0.1', peerAsn: 1, holdtime: 9 }] },
        /neighbors\[0\]\.holdtime: unknown field/,
      ],
      [
        {
          ...base,
          neighbors: [
            { address: 'any', peerAsn: 1 },
            { address: '*', peerAsn: 2 },
          ],
        },
        /configured twice/,
      ],
      [
        { ...base, neighbors: [{ address: 'any', peerAsn: 1, mode: 'active' }] },
        /active neighbor needs an address/,
      ],
      [{ asn: 1, neighbors: [{ address: 'any', peerAsn: 2 }] }, /listen address/],
      [
        { ...base, neighbors: [{ address: '127.0.0.1', peerAsn: 0 }] },
        /neighbors\[0\]\.peerAsn: expected an AS number/,
      ],
      [{ ...base, neighbors: [] }, /no neighbors/],
      [{ listen: '127.0.0.1:1179', neighbors: [{ address: 'any', peerAsn: 2 }] }, /local AS missing/],
    ];
    for (const [doc, message] of cases) expect(() => settingsFromJson(doc, 'f.json')).toThrowError(message);
  });

  it('ISP settings: graceful restart, password, max-prefix, with their defaults', () => {
    const base = { listen: '127.0.0.1:1179', asn: 65000 };
    const [a, b] = settingsFromJson(
      {
        ...base,
        neighbors: [
          { address: '192.0.2.1', peerAsn: 64500, password: 'k3y', maxPrefixes: 1000, restartTime: 30 },
          {
            address: '192.0.2.2',
            peerAsn: 64500,
            gracefulRestart: false,
            maxPrefixes: 10,
            maxPrefixesWarn: 50,
            maxPrefixesRestart: 5,
          },
        ],
      },
      'f.json',
    ).neighbors;
    expect(a).toMatchObject({
      password: 'k3y',
      gracefulRestart: { restartTimeSec: 30, staleTimeSec: 360 },
      maxPrefixes: { limit: 1000, warnPercent: 90, restartSec: 60 },
    });
    expect(b!.gracefulRestart).toBeUndefined();
    expect(b!.maxPrefixes).toEqual({ limit: 10, warnPercent: 50, restartSec: 5 });
  });

  it('refuses bad ISP settings, naming the field', () => {
    const base = { listen: '127.0.0.1:1179', asn: 65000 };
    const one = (n: Record<string, unknown>) => ({
      ...base,
      neighbors: [{ address: '192.0.2.1', peerAsn: 1, ...n }],
    });
    const cases: [unknown, RegExp][] = [
      [one({ password: 'x'.repeat(81) }), /neighbors\[0\]\.password: at most 80 bytes/],
      [one({ password: '' }), /password: expected a non-empty string/],
      [{ ...base, neighbors: [{ address: 'any', peerAsn: 1, password: 'k' }] }, /not "any"/],
      [one({ gracefulRestart: 'yes' }), /gracefulRestart: expected true or false/],
      [one({ gracefulRestart: false, restartTime: 5 }), /restartTime: needs "gracefulRestart": true/],
      [one({ restartTime: 4096 }), /restartTime: expected an integer 1-4095/],
      [one({ maxPrefixesWarn: 80 }), /maxPrefixesWarn: needs "maxPrefixes"/],
      [one({ maxPrefixes: 0 }), /maxPrefixes: expected an integer/],
      [one({ maxPrefixes: 10, maxPrefixesWarn: 101 }), /maxPrefixesWarn: expected an integer 1-100/],
    ];
    for (const [doc, message] of cases) expect(() => settingsFromJson(doc, 'f.json')).toThrowError(message);
  });

  it('canonical addresses: IPv4-mapped IPv6 as IPv4, IPv6 compressed and lower case', () => {
    expect(canonicalAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalAddress('10.0.0.1')).toBe('10.0.0.1');
  });
});
