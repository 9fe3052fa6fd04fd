// Turns the route feed's snapshot and deltas into the heartbeat's RoutesReport. The feed is
// per (prefix, peer) but control keeps one set of prefixes per appliance, so a withdrawal
// from one peer must not reach control while another peer still announces that prefix.
import type { RoutesReport } from '@ferry/protocol';
import type { RouteFeed } from '../bgp/report/feed.js';
import type { AdjRibIn } from '../bgp/rib/rib.js';

export interface RouteSource {
  feed: Pick<RouteFeed, 'snapshot' | 'deltasSince'>;
  /** when given, withdrawals of prefixes still held from another peer are left out */
  rib?: Pick<AdjRibIn, 'holds'>;
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
    if (src.rib?.holds(w.prefix)) continue;
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
