// What steering breaks ties on per (appliance, prefix): the preference of the best route the
// appliance heard for the prefix (protocol route-pref.ts), read from its routes reports. Kept
// in memory beside the route trie; the store keeps prefixes only, so after a control restart
// (or on an instance following another through the store) an appliance's prefixes have no
// preference until its next snapshot, and steering ranks that prefix without tie-breaks.

import { comparePref, type FeedRoute, type PathPref, pathPref } from '@ferry/protocol';
import { SliceClock } from '../slices.js';
import { canonicalPrefix } from './route-index.js';

export type PrefMap = Map<string, PathPref>;

/** Shares one object among routes of equal preference: a table has few distinct ones. */
export class PrefInterner {
  private readonly held = new Map<string, PathPref>();

  intern(p: PathPref): PathPref {
    const key = `${p.localPref}/${p.asPathLength}/${p.origin}/${p.med}/${p.neighborAs}`;
    let found = this.held.get(key);
    if (!found) {
      found = p;
      // Bounded: past this, preferences are simply not shared.
      if (this.held.size < 100_000) this.held.set(key, p);
    }
    return found;
  }
}

/** A route's preference, or undefined when it carries no attribute at all (nothing to rank on). */
export function routePref(r: FeedRoute, interner: PrefInterner): PathPref | undefined {
  if (r.asPath === undefined && r.localPref === undefined && r.med === undefined && r.origin === undefined) {
    return undefined;
  }
  return interner.intern(pathPref(r));
}

/** Keeps the better of what `prefs` holds for `prefix` and `p` (a snapshot lists every peer's route). */
export function keepBest(prefs: PrefMap, prefix: string, p: PathPref): void {
  const held = prefs.get(prefix);
  if (!held || comparePref(p, held) < 0) prefs.set(prefix, p);
}

/**
 * A snapshot's routes parsed into canonical prefixes (`into`) and their preferences
 * (`prefs`) in one pass, in slices: one parse per route, and steering keeps running.
 */
export async function canonicalRoutes(
  routes: readonly FeedRoute[],
  into: Set<string>,
  prefs: PrefMap,
  interner = new PrefInterner(),
): Promise<void> {
  const clock = new SliceClock();
  for (const r of routes) {
    const p = canonicalPrefix(r.prefix);
    if (p) {
      into.add(p);
      const pref = routePref(r, interner);
      if (pref) keepBest(prefs, p, pref);
    }
    if (clock.spent()) await clock.yield();
  }
}
