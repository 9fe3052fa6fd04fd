// What steering breaks ties on per (appliance, prefix): the preference of the best route the
// appliance heard for the prefix (protocol route-pref.ts), read from its routes reports. Kept
// in memory beside the route trie, compactly (PrefTable); the store keeps prefixes only, so
// after a control restart (or on an instance following another through the store) an
// appliance's prefixes have no preference until its next snapshot, and steering ranks that
// prefix without tie-breaks.

import { comparePref, type FeedRoute, type PathPref, pathPref } from '@ferry/protocol';
import { canonicalPrefix } from '../route-trie/prefix-format.js';
import { SliceClock } from '../slices.js';

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

function samePref(a: PathPref, b: PathPref): boolean {
  return (
    a.localPref === b.localPref &&
    a.asPathLength === b.asPathLength &&
    a.origin === b.origin &&
    a.med === b.med &&
    a.neighborAs === b.neighborAs
  );
}

/**
 * One appliance's preferences, compact: most of an appliance's routes usually share one
 * preference (one upstream, one policy), so that one is kept once (`common`) and only the
 * prefixes that differ are listed, instead of an entry per prefix of a full table.
 */
export class PrefTable {
  private common: PathPref | undefined;
  /** prefixes whose preference is not `common` */
  private readonly others = new Map<string, PathPref>();
  /** prefixes held without a preference (while `common` is set) */
  private readonly none = new Set<string>();

  /** From a snapshot's preferences over its canonical prefixes, in slices. */
  static async build(prefixes: ReadonlySet<string>, prefs: PrefMap): Promise<PrefTable> {
    const t = new PrefTable();
    if (prefs.size === 0) return t;
    const counts = new Map<PathPref, number>();
    await forEachSlicedValues(prefs, (p) => counts.set(p, (counts.get(p) ?? 0) + 1));
    let best = 0;
    for (const [p, n] of counts) {
      if (n > best) {
        best = n;
        t.common = p;
      }
    }
    const common = t.common!;
    await forEachSlicedValues(prefixes, (prefix) => {
      const p = prefs.get(prefix);
      if (p === undefined) t.none.add(prefix);
      else if (!samePref(p, common)) t.others.set(prefix, p);
    });
    return t;
  }

  /** The preference of a prefix the appliance holds (undefined when it reported none). */
  get(prefix: string): PathPref | undefined {
    if (this.common === undefined) return this.others.get(prefix);
    if (this.none.has(prefix)) return undefined;
    return this.others.get(prefix) ?? this.common;
  }

  set(prefix: string, p: PathPref | undefined): void {
    this.others.delete(prefix);
    this.none.delete(prefix);
    if (p === undefined) {
      if (this.common !== undefined) this.none.add(prefix);
    } else if (this.common === undefined || !samePref(p, this.common)) {
      this.others.set(prefix, p);
    }
  }

  delete(prefix: string): void {
    this.others.delete(prefix);
    this.none.delete(prefix);
  }

  /** Entries kept (tests, memory): the listed exceptions and the common one. */
  get entries(): number {
    return this.others.size + this.none.size + (this.common ? 1 : 0);
  }
}

async function forEachSlicedValues<T>(
  items: Iterable<T> | Map<unknown, T>,
  fn: (v: T) => void,
): Promise<void> {
  const clock = new SliceClock();
  const values = items instanceof Map ? items.values() : items;
  for (const v of values) {
    fn(v as T);
    if (clock.spent()) await clock.yield();
  }
}
