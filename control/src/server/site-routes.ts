// Per-site route agreement for the metrics: how many distinct prefixes the appliances of a
// site heard, and how many of them only some of those appliances heard (a BGP session down
// on one, a filter that differs). queries/route-consistency.ts lists the prefixes for an
// operator; this only counts them, without building a list per prefix, and in time slices,
// so a site with full tables neither allocates per route nor holds up steering.
import type { ControlModel } from '../model/model.js';
import { SliceClock } from '../slices.js';

export interface SiteRouteCounts {
  site: string;
  appliances: number;
  /** distinct prefixes heard by at least one appliance of the site */
  prefixes: number;
  /** prefixes heard by some appliances of the site and not by others */
  inconsistent: number;
}

/**
 * Counts per site. With sets A1..An: union = Σ |Ai minus A1..Ai-1|, intersection = the members
 * of the smallest set found in every other; inconsistent = union − intersection. Sets are read
 * live: a delta applied between two slices is counted where the iteration meets it, so a count
 * taken while routes move is off by at most what moved.
 */
export async function countSiteRoutes(model: ControlModel): Promise<SiteRouteCounts[]> {
  const bySite = new Map<string, string[]>();
  for (const a of model.listAppliances()) {
    const ids = bySite.get(a.site);
    if (ids) ids.push(a.id);
    else bySite.set(a.site, [a.id]);
  }
  const clock = new SliceClock();
  const out: SiteRouteCounts[] = [];
  for (const [site, ids] of [...bySite].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sets = ids.map((id) => model.routes.prefixesOf(id));
    let union = 0;
    for (let i = 0; i < sets.length; i++) {
      for (const p of sets[i]!) {
        let seen = false;
        for (let j = 0; j < i && !seen; j++) seen = sets[j]!.has(p);
        if (!seen) union++;
        if (clock.spent()) await clock.yield();
      }
    }
    const smallest = sets.reduce((a, b) => (b.size < a.size ? b : a));
    let common = 0;
    for (const p of smallest) {
      if (sets.every((s) => s.has(p))) common++;
      if (clock.spent()) await clock.yield();
    }
    out.push({ site, appliances: ids.length, prefixes: union, inconsistent: union - common });
  }
  return out;
}

/** A recount runs at most this often, however cheap. */
const MIN_AGE_MS = 1000;
/** ...and at most this share of the time: a recount taking 200 ms runs every 4 s at most. */
const MAX_SHARE = 0.05;

/**
 * The last counts, refreshed when a scrape finds them older than the recount's own cost allows
 * (MIN_AGE_MS, MAX_SHARE): the first scrape waits for them, later ones get the last counts while
 * a refresh runs behind them, so a scrape never waits for a recount of large tables. Nothing
 * runs between scrapes.
 */
export class SiteRouteCache {
  private last: { at: number; tookMs: number; counts: SiteRouteCounts[] } | undefined;
  private running: Promise<SiteRouteCounts[]> | undefined;

  constructor(
    private readonly model: ControlModel,
    private readonly now: () => number = Date.now,
  ) {}

  async read(): Promise<SiteRouteCounts[]> {
    const last = this.last;
    if (last && this.now() - last.at < Math.max(MIN_AGE_MS, last.tookMs / MAX_SHARE)) return last.counts;
    const refresh = this.refresh();
    if (!last) return refresh;
    // Behind the scrape: a failure shows as counts that stop moving, never as a failed scrape.
    refresh.catch(() => {});
    return last.counts;
  }

  private refresh(): Promise<SiteRouteCounts[]> {
    if (!this.running) {
      const started = this.now();
      const run = countSiteRoutes(this.model)
        .then((counts) => {
          const at = this.now();
          this.last = { at, tookMs: at - started, counts };
          return counts;
        })
        .finally(() => {
          this.running = undefined;
        });
      this.running = run;
    }
    return this.running;
  }
}
