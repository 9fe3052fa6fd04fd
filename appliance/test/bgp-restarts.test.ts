// The receiving speaker's stale routes (rib/restarts.ts over the Adj-RIB-In) on a fake clock:
// what stays, what goes on End-of-RIB, on the restart timer, on the stale cap, and on a new
// OPEN without the Forwarding State bit. The interop with BIRD is bgp-graceful-restart.test.ts.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AFI_IPV4, AFI_IPV6, MessageType, type Prefix, type UpdateMessage } from '../src/bgp/codec/types.js';
import { PeerRestarts } from '../src/bgp/rib/restarts.js';
import { AdjRibIn, type RibChange } from '../src/bgp/rib/rib.js';
import type { Negotiated, PeerGracefulRestart } from '../src/bgp/session/negotiate.js';
import { FakeClock } from './support/fake-clock.js';

const v4 = (a: number, b: number): Prefix => ({ afi: AFI_IPV4, length: 16, bytes: Uint8Array.of(a, b) });
const v6: Prefix = { afi: AFI_IPV6, length: 32, bytes: Uint8Array.of(0x20, 0x01, 0x0d, 0xb8) };
const update = (announced: Prefix[], withdrawn: Prefix[] = []): UpdateMessage => ({
  type: MessageType.UPDATE,
  announced,
  withdrawn,
  attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1', mpNextHop: ['2001:db8::1'] },
});
const both = [
  { afi: 1, safi: 1, forwardingPreserved: true },
  { afi: 2, safi: 1, forwardingPreserved: true },
];
const gr = (families = both, restartTimeSec = 120): PeerGracefulRestart => ({
  restartState: false,
  restartTimeSec,
  families,
});
const negotiated = (g?: PeerGracefulRestart): Negotiated => ({
  holdTimeSec: 90,
  keepaliveSec: 30,
  peerAs: 65001,
  peerRouterId: '10.0.0.2',
  fourOctetAs: true,
  routeRefresh: true,
  families: [
    { afi: 1, safi: 1 },
    { afi: 2, safi: 1 },
  ],
  ...(g ? { gracefulRestart: g } : {}),
});

function rig() {
  const rib = new AdjRibIn();
  const clock = new FakeClock();
  const restarts = new PeerRestarts(rib, pino({ level: 'silent' }), clock);
  const changes: RibChange[] = [];
  rib.subscribe((c) => changes.push(c));
  rib.apply('p', update([v4(10, 1), v4(10, 2), v4(10, 3), v6]));
  changes.length = 0;
  return { rib, clock, restarts, changes };
}

describe('graceful restart: stale routes', () => {
  it('kept stale through the restart; re-announced ones fresh; End-of-RIB sweeps the rest per family', () => {
    const { rib, restarts, changes } = rig();
    restarts.down('p', 'closed by peer', gr(), 360);
    expect(rib.size()).toBe(4);
    expect(rib.staleCount('p')).toBe(4);
    expect(changes).toEqual([]);
    expect(restarts.status('p')).toMatchObject({ state: 'restarting', staleRoutes: 4 });

    restarts.established('p', negotiated(gr()));
    expect(restarts.status('p')?.state).toBe('waiting-eor');
    rib.apply('p', update([v4(10, 1)]));
    expect(rib.staleCount('p', AFI_IPV4)).toBe(2);
    expect(rib.list({ limit: 10 }).routes.map((r) => [r.prefix, r.stale ?? false])).toEqual([
      ['10.1.0.0/16', false],
      ['10.2.0.0/16', true],
      ['10.3.0.0/16', true],
      ['2001:db8::/32', true],
    ]);
    restarts.endOfRib('p', 1, 1);
    expect(rib.list({ limit: 10 }).routes.map((r) => r.prefix)).toEqual(['10.1.0.0/16', '2001:db8::/32']);
    expect(changes.filter((c) => c.attrs === null)).toHaveLength(2);
    // IPv6 still waits for its own End-of-RIB.
    expect(restarts.status('p')).toMatchObject({ state: 'waiting-eor', staleRoutes: 1 });
    restarts.endOfRib('p', 2, 1);
    expect(rib.size()).toBe(1);
    expect(restarts.status('p')).toBeUndefined();
  });

  it('the restart timer (the peer Restart Time) removes them when the peer does not come back', () => {
    const { rib, clock, restarts } = rig();
    restarts.down('p', 'reset', gr(both, 30), 360);
    clock.advance(29_999);
    expect(rib.size()).toBe(4);
    clock.advance(1);
    expect(rib.size()).toBe(0);
    expect(restarts.status('p')).toBeUndefined();
  });

  it('the stale cap bounds it from the first loss, through flaps and a peer that never sends End-of-RIB', () => {
    const { rib, clock, restarts } = rig();
    restarts.down('p', 'reset', gr(both, 100), 150);
    clock.advance(90_000);
    restarts.established('p', negotiated(gr()));
    restarts.down('p', 'reset again', gr(both, 100), 150);
    clock.advance(59_999);
    expect(rib.size()).toBe(4);
    clock.advance(1);
    expect(rib.size()).toBe(0);
  });

  it('a new OPEN without the F bit, or without the family, drops that family at once', () => {
    const { rib, restarts } = rig();
    restarts.down('p', 'reset', gr(), 360);
    restarts.established('p', negotiated(gr([{ afi: 1, safi: 1, forwardingPreserved: false }])));
    expect(rib.size()).toBe(0);
    const r2 = rig();
    r2.restarts.down('p', 'reset', gr(), 360);
    r2.restarts.established('p', negotiated(gr([{ afi: 1, safi: 1, forwardingPreserved: true }])));
    expect(r2.rib.list({ limit: 10 }).routes.map((r) => r.prefix)).toEqual([
      '10.1.0.0/16',
      '10.2.0.0/16',
      '10.3.0.0/16',
    ]);
    const r3 = rig();
    r3.restarts.down('p', 'reset', gr(), 360);
    r3.restarts.established('p', negotiated());
    expect(r3.rib.size()).toBe(0);
  });

  it('families the peer did not list go when the session does; a down without GR drops everything', () => {
    const { rib, restarts } = rig();
    restarts.down('p', 'reset', gr([{ afi: 2, safi: 1, forwardingPreserved: true }]), 360);
    expect(rib.list({ limit: 10 }).routes.map((r) => r.prefix)).toEqual(['2001:db8::/32']);
    restarts.down('p', 'NOTIFICATION', undefined, 360);
    expect(rib.size()).toBe(0);
    expect(restarts.status('p')).toBeUndefined();
  });

  it('a withdrawal of a stale route removes it and its mark', () => {
    const { rib, restarts } = rig();
    restarts.down('p', 'reset', gr(), 360);
    restarts.established('p', negotiated(gr()));
    rib.apply('p', update([], [v4(10, 2)]));
    expect(rib.size()).toBe(3);
    expect(rib.staleCount('p')).toBe(3);
  });
});
