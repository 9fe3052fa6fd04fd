// Turns the route feed's snapshot and deltas into the heartbeat's RoutesReport. The feed is
// per (prefix, peer) but control keeps one set of prefixes per appliance, so a withdrawal
// from one peer must not reach control while another peer still announces that prefix.
//
// A snapshot larger than one part is frozen once and sent as parts 0..count-1 (protocol
// SnapshotPart): control bounds a heartbeat body to 16 MiB and swaps the set in only when
// the last part arrives. A delta too large for one part becomes a paged snapshot too (a
// full table arriving after the first, empty, snapshot).
import type { FeedRoute, RoutesReport } from '@ferry/protocol';
import type { RouteFeed } from '../bgp/report/feed.js';
import type { AdjRibIn } from '../bgp/rib/rib.js';

/** Routes per snapshot part: about 1-2 MB of JSON, parsed by control in a few ms. */
export const SNAPSHOT_PART_ROUTES = 20_000;
/** A part is cut early past this many (estimated) JSON bytes: long AS paths. */
const PART_BYTES = 8 * 1024 * 1024;

export interface RouteSource {
  feed: Pick<RouteFeed, 'snapshot' | 'deltasSince'>;
  /** when given, withdrawals of prefixes still held from another peer are left out */
  rib?: Pick<AdjRibIn, 'holds'>;
}

/** A snapshot taken at one version, with where each part starts. */
export interface FrozenSnapshot {
  epoch: string;
  version: number;
  routes: FeedRoute[];
  /** index of the first route of each part; at least one part, even for no routes */
  starts: number[];
}

export function freezeSnapshot(src: RouteSource, partRoutes = SNAPSHOT_PART_ROUTES): FrozenSnapshot {
  const s = src.feed.snapshot();
  const routes = s.routes.map((r) => ({ prefix: r.prefix, peer: r.peer, asPath: r.asPath }));
  const starts = [0];
  let inPart = 0;
  let bytes = 0;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    // A cheap upper estimate of the JSON: no stringify of a million routes on the agent.
    const size = 48 + r.prefix.length + (r.peer?.length ?? 0) + (r.asPath?.length ?? 0) * 12;
    if (inPart > 0 && (inPart === partRoutes || bytes + size > PART_BYTES)) {
      starts.push(i);
      inPart = 0;
      bytes = 0;
    }
    inPart++;
    bytes += size;
  }
  return { epoch: s.epoch, version: s.version, routes, starts };
}

/** Part `index` of a frozen snapshot; a snapshot of one part goes without `part`. */
export function snapshotPart(f: FrozenSnapshot, index: number): RoutesReport & { kind: 'snapshot' } {
  const count = f.starts.length;
  const routes = f.routes.slice(f.starts[index], f.starts[index + 1] ?? f.routes.length);
  const report: RoutesReport & { kind: 'snapshot' } = {
    kind: 'snapshot',
    epoch: f.epoch,
    version: f.version,
    routes,
  };
  if (count > 1) report.part = { index, count };
  return report;
}

/** The whole snapshot in one report (tests, small feeds). */
export function routesSnapshot(src: RouteSource): RoutesReport & { kind: 'snapshot' } {
  return snapshotPart(freezeSnapshot(src, Number.POSITIVE_INFINITY), 0);
}

/**
 * The delta since (epoch, version), or undefined when a snapshot has to go instead: the feed
 * can no longer give the delta, or it is larger than one part.
 */
export function routesSince(
  src: RouteSource,
  epoch: string,
  version: number,
  partRoutes = SNAPSHOT_PART_ROUTES,
): (RoutesReport & { kind: 'delta' }) | undefined {
  const d = src.feed.deltasSince(version, epoch);
  if ('resync' in d) return undefined;
  if (d.announced.length + d.withdrawn.length > partRoutes) return undefined;
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
