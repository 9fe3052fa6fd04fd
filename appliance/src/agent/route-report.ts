// Turns the route feed's snapshot and deltas into the heartbeat's RoutesReport. The feed is
// per (prefix, peer) but control keeps one set of prefixes per appliance, so a withdrawal
// from one peer must not reach control while another peer still announces that prefix.
import { parseCidr, type RoutesReport } from '@ferry/protocol';
import type { RouteFeed } from '../bgp/report/feed.js';
import { v4FromBytes, v4Key, v6Key } from '../bgp/rib/prefix-key.js';
import type { AdjRibIn } from '../bgp/rib/rib.js';

export interface RouteSource {
  feed: Pick<RouteFeed, 'snapshot' | 'deltasSince'>;
  /** when given, withdrawals of prefixes still held from another peer are left out */
  rib?: Pick<AdjRibIn, 'peerTables'>;
}

export function routesSnapshot(src: RouteSource): RoutesReport & { kind: 'snapshot' } {
  const s = src.feed.snapshot();
  return {
    kind: 'snapshot',
    epoch: s.epoch,
    version: s.version,
    routes: s.routes.map((r) => ({ prefix: r.prefix, peer: r.peer, asPath: r.asPath })),
  };
}

/** The delta since (epoch, version), or a snapshot when the feed can no longer give one. */
export function routesSince(src: RouteSource, epoch: string, version: number): RoutesReport {
  const d = src.feed.deltasSince(version, epoch);
  if ('resync' in d) return routesSnapshot(src);
  const announced = d.announced.map((r) => ({ prefix: r.prefix, peer: r.peer, asPath: r.asPath }));
  const stillAnnounced = new Set(announced.map((r) => r.prefix));
  const withdrawn = new Set<string>();
  for (const w of d.withdrawn) {
    if (stillAnnounced.has(w.prefix)) continue;
    if (src.rib && heldByAnyPeer(src.rib, w.prefix)) continue;
    withdrawn.add(w.prefix);
  }
  return {
    kind: 'delta',
    epoch: d.epoch,
    since: d.since,
    version: d.version,
    announced,
    withdrawn: [...withdrawn],
  };
}

function heldByAnyPeer(rib: Pick<AdjRibIn, 'peerTables'>, prefix: string): boolean {
  const p = parseCidr(prefix);
  if (!p) return false;
  if (p.bytes.length === 4) {
    const key = v4Key(v4FromBytes(p.bytes), p.bits);
    for (const t of rib.peerTables()) if (t.v4[p.bits]?.has(key)) return true;
    return false;
  }
  const key = v6Key(p.bytes, p.bits);
  for (const t of rib.peerTables()) if (t.v6.has(key)) return true;
  return false;
}
