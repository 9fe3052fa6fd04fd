// Turns the route feed's snapshot and deltas into the heartbeat's RoutesReport. The feed is
// per (prefix, peer) but control keeps one set of prefixes per appliance, so a withdrawal
// from one peer must not reach control while another peer still announces that prefix.
//
// A snapshot larger than one part is frozen once and sent as parts 0..count-1 (protocol
// SnapshotPart): control bounds a heartbeat body to 16 MiB and swaps the set in only when
// the last part arrives. A delta too large for one part becomes a paged snapshot too (a
// full table arriving after the first, empty, snapshot).
//
// Each route carries what steering breaks ties on (LOCAL_PREF, AS path, ORIGIN, MED). A
// snapshot lists every (prefix, peer) route and control keeps the best per prefix; a delta
// reports, for each prefix it touches, the appliance's best route across all its peers as the
// RIB holds it now, so control never keeps the attributes of a route that is gone.
import {
  comparePref,
  parseCidr,
  pathPref,
  type RoutesReport,
  type FeedRoute as WireRoute,
} from '@ferry/protocol';
import { AFI_IPV4, AFI_IPV6 } from '../bgp/codec/types.js';
import type { FeedRoute, RouteFeed } from '../bgp/report/feed.js';
import { v4FromBytes, v4Key, v6Key } from '../bgp/rib/prefix-key.js';
import type { AdjRibIn } from '../bgp/rib/rib.js';
import { attrView } from '../bgp/rib/route-view.js';

/** Routes per snapshot part: about 1-2 MB of JSON, parsed by control in a few ms. */
export const SNAPSHOT_PART_ROUTES = 20_000;
/** A part is cut early past this many (estimated) JSON bytes: long AS paths. */
const PART_BYTES = 8 * 1024 * 1024;

export interface RouteSource {
  feed: Pick<RouteFeed, 'snapshot' | 'deltasSince'>;
  /**
   * when given, a delta reports each touched prefix's best route across peers, and a
   * withdrawal only once no peer announces the prefix any more
   */
  rib?: Pick<AdjRibIn, 'peerTables' | 'attrs'>;
}

/** A snapshot taken at one version, with where each part starts. */
export interface FrozenSnapshot {
  epoch: string;
  version: number;
  routes: WireRoute[];
  /** index of the first route of each part; at least one part, even for no routes */
  starts: number[];
}

export function freezeSnapshot(src: RouteSource, partRoutes = SNAPSHOT_PART_ROUTES): FrozenSnapshot {
  const s = src.feed.snapshot();
  const routes = s.routes.map(wire);
  const starts = [0];
  let inPart = 0;
  let bytes = 0;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    // A cheap upper estimate of the JSON: no stringify of a million routes on the agent.
    const size = 96 + r.prefix.length + (r.peer?.length ?? 0) + (r.asPath?.length ?? 0) * 12;
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
  const { rib } = src;
  const announced = new Map<string, WireRoute>();
  const withdrawn = new Set<string>();
  if (!rib) {
    for (const r of d.announced) announced.set(r.prefix, wire(r));
    for (const w of d.withdrawn) if (!announced.has(w.prefix)) withdrawn.add(w.prefix);
  } else {
    for (const prefix of new Set([...d.announced, ...d.withdrawn].map((r) => r.prefix))) {
      const best = bestHeld(rib, prefix);
      if (best) announced.set(prefix, wire(best));
      else withdrawn.add(prefix);
    }
  }
  return {
    kind: 'delta',
    epoch: d.epoch,
    since: d.since,
    version: d.version,
    announced: [...announced.values()],
    withdrawn: [...withdrawn],
  };
}

/** A feed route on the wire: the attributes steering ranks on only when the route has them. */
function wire(r: FeedRoute): WireRoute {
  const out: WireRoute = { prefix: r.prefix, peer: r.peer, asPath: r.asPath };
  if (r.localPref !== null) out.localPref = r.localPref;
  if (r.med !== null) out.med = r.med;
  if (r.origin !== null) out.origin = r.origin;
  return out;
}

/**
 * The preferred route for exactly `prefix` across every peer the RIB holds it from, or
 * undefined when no peer does (read through the RIB's public tables, as the feed does).
 */
export function bestHeld(rib: Pick<AdjRibIn, 'peerTables' | 'attrs'>, prefix: string): FeedRoute | undefined {
  const p = parseCidr(prefix);
  if (!p) return undefined;
  const v4 = p.bytes.length === 4;
  const k4 = v4 ? v4Key(v4FromBytes(p.bytes), p.bits) : 0;
  const k6 = v4 ? '' : v6Key(p.bytes, p.bits);
  let best: FeedRoute | undefined;
  let bestPref: ReturnType<typeof pathPref> | undefined;
  for (const t of rib.peerTables()) {
    const id = v4 ? t.v4[p.bits]?.get(k4) : t.v6.get(k6);
    if (id === undefined) continue;
    const v = attrView(rib.attrs.get(id), v4 ? AFI_IPV4 : AFI_IPV6);
    const route: FeedRoute = {
      prefix,
      peer: t.peer,
      asPath: v.asPath,
      localPref: v.localPref,
      med: v.med,
      origin: v.origin,
    };
    const pref = pathPref(route);
    // Ties (and MEDs of different neighbours) keep the peer met first: the RIB's peer order.
    if (!bestPref || comparePref(pref, bestPref) < 0) {
      best = route;
      bestPref = pref;
    }
  }
  return best;
}
