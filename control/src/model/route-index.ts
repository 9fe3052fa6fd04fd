// Which appliances heard which prefixes: a RouteTrie of appliance ids for longest-prefix
// lookups on the steering path, and each appliance's prefix set so a snapshot or a delta
// turns into trie inserts and removes without touching other appliances' routes.
import type { PathPref } from '@ferry/protocol';
import { canonicalPrefix } from '../route-trie/prefix-format.js';
import { RouteTrie } from '../route-trie/trie.js';
import { forEachSliced } from '../slices.js';
import { PrefTable } from './route-prefs.js';

export interface CoveringMatch {
  prefix: string;
  applianceIds: string[];
  /** per applianceIds entry: the preference of the route it heard (route-prefs.ts), if known */
  prefs: (PathPref | undefined)[];
}

export class RouteIndex {
  private readonly trie = new RouteTrie<string>();
  private readonly byAppliance = new Map<string, Set<string>>();
  /** appliance → the preference of its best route per prefix (route-prefs.ts) */
  private readonly prefs = new Map<string, PrefTable>();
  /** Sliced replaces of one appliance, one after another (ingest and the change feed both call). */
  private readonly swaps = new Map<string, Promise<void>>();

  /** Replaces an appliance's prefixes with `prefixes`, touching only what changed. */
  replace(applianceId: string, prefixes: Iterable<string>): void {
    const next = new Set<string>();
    for (const raw of prefixes) {
      const p = canonicalPrefix(raw);
      if (p) next.add(p);
    }
    const prev = this.byAppliance.get(applianceId) ?? new Set<string>();
    const withdrawn: string[] = [];
    for (const p of prev) if (!next.has(p)) withdrawn.push(p);
    const announced: string[] = [];
    for (const p of next) if (!prev.has(p)) announced.push(p);
    this.apply(applianceId, announced, withdrawn);
  }

  /**
   * Replaces an appliance's prefixes with `next` (canonical, see canonicalSet; the index keeps
   * the set, the caller gives it up) in slices with a turn of the event loop between them, so a
   * full table never stalls steering. Additions go first: while it runs steering sees every
   * prefix the old and the new set share, plus some of either, and never an empty or half table.
   */
  replaceSliced(applianceId: string, next: Set<string>): Promise<void> {
    const prev = this.swaps.get(applianceId) ?? Promise.resolve();
    const run = prev.then(() => this.swap(applianceId, next));
    const tail = run.catch(() => {});
    this.swaps.set(applianceId, tail);
    void tail.then(() => {
      if (this.swaps.get(applianceId) === tail) this.swaps.delete(applianceId);
    });
    return run;
  }

  private async swap(applianceId: string, next: Set<string>): Promise<void> {
    const held = this.byAppliance.get(applianceId) ?? new Set<string>();
    await forEachSliced(next, (p) => {
      if (!held.has(p)) this.trie.insert(p, applianceId);
    });
    // `held` stays the appliance's set until the trie holds all of `next`, so a query of the
    // set meanwhile sees the old table, never a mix.
    this.byAppliance.set(applianceId, next);
    await forEachSliced(held, (p) => {
      if (!next.has(p)) this.trie.remove(p, (v) => v === applianceId);
    });
  }

  apply(applianceId: string, announced: Iterable<string>, withdrawn: Iterable<string>): void {
    let set = this.byAppliance.get(applianceId);
    if (!set) {
      set = new Set();
      this.byAppliance.set(applianceId, set);
    }
    for (const raw of withdrawn) {
      const p = canonicalPrefix(raw);
      if (p && set.delete(p)) this.trie.remove(p, (v) => v === applianceId);
    }
    for (const raw of announced) {
      // A malformed prefix is skipped rather than failing the heartbeat that carried it.
      const p = canonicalPrefix(raw);
      if (!p || set.has(p)) continue;
      this.trie.insert(p, applianceId);
      set.add(p);
    }
  }

  drop(applianceId: string): void {
    this.replace(applianceId, []);
    this.byAppliance.delete(applianceId);
    this.prefs.delete(applianceId);
  }

  /** Replaces the appliance's route preferences (after a snapshot; the index keeps the table). */
  setPrefs(applianceId: string, prefs: PrefTable): void {
    if (prefs.entries > 0) this.prefs.set(applianceId, prefs);
    else this.prefs.delete(applianceId);
  }

  /**
   * Applies a delta's preferences: announced prefixes take theirs (or lose a stale one when
   * the route carries none), withdrawn ones drop theirs. Prefixes canonical.
   */
  updatePrefs(
    applianceId: string,
    announced: Iterable<[string, PathPref | undefined]>,
    withdrawn: Iterable<string>,
  ): void {
    let table = this.prefs.get(applianceId);
    for (const p of withdrawn) table?.delete(p);
    for (const [p, pref] of announced) {
      if (!table) {
        if (!pref) continue;
        table = new PrefTable();
        this.prefs.set(applianceId, table);
      }
      table.set(p, pref);
    }
  }

  prefOf(applianceId: string, prefix: string): PathPref | undefined {
    return this.prefs.get(applianceId)?.get(prefix);
  }

  prefixesOf(applianceId: string): ReadonlySet<string> {
    return this.byAppliance.get(applianceId) ?? new Set();
  }

  count(applianceId: string): number {
    return this.byAppliance.get(applianceId)?.size ?? 0;
  }

  /** Every prefix covering `ip` with the appliances that heard it, most specific first. */
  covering(ip: string): CoveringMatch[] {
    return this.trie.covering(ip).map((m) => ({
      prefix: m.prefix,
      applianceIds: m.values,
      prefs: m.values.map((id) => this.prefs.get(id)?.get(m.prefix)),
    }));
  }
}

/** The canonical prefixes of `raw` (malformed ones left out), parsed in slices. */
export async function canonicalSet(raw: Iterable<string>, into = new Set<string>()): Promise<Set<string>> {
  await forEachSliced(raw, (text) => {
    const p = canonicalPrefix(text);
    if (p) into.add(p);
  });
  return into;
}
