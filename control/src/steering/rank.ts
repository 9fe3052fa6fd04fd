// Steering's ranking step (DESIGN flow 1): which appliances a device should fetch a file from,
// best first, and why. Pure: the caller supplies the covering prefixes from the route trie and
// the appliances' evaluated health, inventory and load.
//
// Order: the most specific covering prefix first, then the less specific ones, then the
// fallback sites that serve everyone, then (only when those left nothing and no fallback site
// is set) the last resort: any serving appliance that holds the file, least loaded first.
// Within one prefix, BGP's tie-breaks on the route each appliance heard come first (higher
// LOCAL_PREF, shorter AS path, lower ORIGIN, lower MED between routes of the same
// neighbouring AS: protocol route-pref.ts), when every eligible appliance on the prefix
// reported them; then healthy appliances come before degraded ones; within that, sites with
// more spare capacity come first; within a site the rendezvous hash of the file id orders
// the appliances, so every device asking for the same file gets the same first choice (its
// bytes stay hot in one appliance's page cache) while different files spread across the site.
//
// Decision classes follow Open Connect's cache-miss classes: a local hit, or the reason the
// client's own network could not serve (content miss, health miss), or fallback, or none.
import { type HealthStatus, isServing, type PathPref, prefClasses } from '@ferry/protocol';
import { rendezvousOrder } from './rendezvous-cache.js';

/** The evaluated health steering ranks on (health/evaluate.ts). */
export type CandidateHealth = HealthStatus;

export interface Candidate {
  id: string;
  site: string;
  url: string;
  health: CandidateHealth;
  holds: (fileId: string) => boolean;
  loadBps: number;
  /** 0 (not reported) counts as room to spare: a fresh appliance is not starved. */
  capacityBps: number;
}

export interface CoveringPrefix {
  prefix: string;
  applianceIds: string[];
  /** per applianceIds entry, the preference of the route it heard; absent: no tie-breaks */
  prefs?: readonly (PathPref | undefined)[];
}

export interface RankInput {
  fileId: string;
  /** Most specific first, as RouteTrie.covering returns them. */
  covering: CoveringPrefix[];
  appliances: Map<string, Candidate>;
  /** Sites that serve every client, in order of preference. */
  fallbackSites: string[];
  maxUrls: number;
  /** Load / capacity above this means no room. */
  headroom: number;
  /**
   * Every appliance that may serve anyone (candidates.ts lastResortCandidates), asked only
   * when the prefixes and fallback sites left nothing and no fallback site is set; absent:
   * no last resort (`--last-resort off`).
   */
  lastResort?: () => Iterable<Candidate>;
}

export interface RankedAppliance {
  applianceId: string;
  site: string;
  url: string;
  /** The covering prefix the appliance was chosen on, '' for a fallback site. */
  prefix: string;
}

export type RankDecision = 'local-hit' | 'content-miss' | 'health-miss' | 'fallback' | 'none';

export interface RankResult {
  ranked: RankedAppliance[];
  decision: RankDecision;
  reason: string;
  /**
   * When none of the appliances on the client's own network holds the file: their sites (a
   * content miss there raises the file's popularity, docs/fill.md)
   */
  missedSites?: string[];
}

type Verdict = 'ok' | 'missing' | 'down' | 'full';

function verdict(c: Candidate, fileId: string, headroom: number): Verdict {
  if (!c.holds(fileId)) return 'missing';
  if (!isServing(c.health)) return 'down';
  if (c.capacityBps > 0 && c.loadBps / c.capacityBps > headroom) return 'full';
  return 'ok';
}

function utilization(cands: readonly Candidate[]): number {
  let load = 0;
  let cap = 0;
  for (const c of cands) {
    load += c.loadBps;
    cap += c.capacityBps;
  }
  return cap > 0 ? load / cap : 0;
}

function groupBySite(cands: readonly Candidate[]): Map<string, Candidate[]> {
  const sites = new Map<string, Candidate[]>();
  for (const c of cands) {
    const list = sites.get(c.site);
    if (list) list.push(c);
    else sites.set(c.site, [c]);
  }
  return sites;
}

function byRendezvous(fileId: string, cands: readonly Candidate[]): Candidate[] {
  return rendezvousOrder(fileId, cands);
}

function tiers(cands: readonly Candidate[]): Candidate[][] {
  return [cands.filter((c) => c.health === 'healthy'), cands.filter((c) => c.health === 'degraded')];
}

/** One covering prefix's eligible appliances: health tier, then emptier site, then rendezvous. */
function orderPrefix(fileId: string, cands: readonly Candidate[]): Candidate[] {
  const out: Candidate[] = [];
  for (const tier of tiers(cands)) {
    const sites = [...groupBySite(tier).entries()]
      .map(([site, list]) => ({ site, list, util: utilization(list) }))
      .sort((a, b) => a.util - b.util || (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
    for (const s of sites) out.push(...byRendezvous(fileId, s.list));
  }
  return out;
}

/**
 * The last resort's appliances: health tier, then each appliance's own spare capacity (the
 * least loaded first: these clients are extra work wherever they go), then rendezvous.
 */
function orderByLoad(fileId: string, cands: readonly Candidate[]): Candidate[] {
  return tiers(cands).flatMap((tier) => {
    const hashed = byRendezvous(fileId, tier);
    const order = new Map(hashed.map((c, i) => [c.id, i]));
    return hashed.sort((a, b) => utilization([a]) - utilization([b]) || order.get(a.id)! - order.get(b.id)!);
  });
}

/** One fallback site's eligible appliances: health tier, then rendezvous. */
function orderSite(fileId: string, cands: readonly Candidate[]): Candidate[] {
  return tiers(cands).flatMap((tier) => byRendezvous(fileId, tier));
}

interface LocalCounts {
  prefix: string;
  total: number;
  missing: string[];
  down: string[];
  full: string[];
}

export function rankAppliances(input: RankInput): RankResult {
  const { fileId, appliances, headroom } = input;
  const seen = new Set<string>();
  const ranked: RankedAppliance[] = [];
  // The client's own network: the most specific covering prefix that names a known appliance.
  let local: LocalCounts | undefined;

  for (const { prefix, applianceIds, prefs } of input.covering) {
    const eligible: Candidate[] = [];
    const eligiblePrefs = new Map<string, PathPref>();
    let allPrefs = true;
    const counts: LocalCounts = { prefix, total: 0, missing: [], down: [], full: [] };
    for (let i = 0; i < applianceIds.length; i++) {
      const id = applianceIds[i]!;
      const c = appliances.get(id);
      if (!c || seen.has(id)) continue;
      seen.add(id);
      counts.total++;
      const v = verdict(c, fileId, headroom);
      if (v !== 'ok') {
        counts[v].push(id);
        continue;
      }
      eligible.push(c);
      const pref = prefs?.[i];
      if (pref) eligiblePrefs.set(id, pref);
      else allPrefs = false;
    }
    if (!local && counts.total > 0) local = counts;
    // Tie-breaks only among routes that all carry them: an appliance whose preference is not
    // known (a reload from the store) is not ranked as if it had the defaults.
    const classes =
      allPrefs && eligible.length > 1 ? prefClasses(eligible, (c) => eligiblePrefs.get(c.id)!) : [eligible];
    for (const cls of classes) for (const c of orderPrefix(fileId, cls)) ranked.push(entry(c, prefix));
  }

  for (const site of input.fallbackSites) {
    const eligible = [...appliances.values()].filter(
      (c) => c.site === site && !seen.has(c.id) && verdict(c, fileId, headroom) === 'ok',
    );
    for (const c of orderSite(fileId, eligible)) {
      seen.add(c.id);
      ranked.push(entry(c, ''));
    }
  }

  let lastResort = false;
  if (ranked.length === 0 && input.fallbackSites.length === 0 && input.lastResort) {
    for (const c of orderByLoad(
      fileId,
      [...input.lastResort()].filter((c) => verdict(c, fileId, headroom) === 'ok'),
    )) {
      ranked.push(entry(c, ''));
    }
    lastResort = ranked.length > 0;
  }

  const top = ranked.slice(0, Math.max(0, input.maxUrls));
  const result: RankResult = {
    ranked: top,
    ...classify(fileId, top[0], local, input.fallbackSites, lastResort),
  };
  if (local && local.missing.length === local.total) {
    result.missedSites = [...new Set(local.missing.map((id) => appliances.get(id)!.site))].sort();
  }
  return result;
}

function entry(c: Candidate, prefix: string): RankedAppliance {
  return { applianceId: c.id, site: c.site, url: c.url, prefix };
}

function classify(
  fileId: string,
  first: RankedAppliance | undefined,
  local: LocalCounts | undefined,
  fallbackSites: readonly string[],
  lastResort: boolean,
): { decision: RankDecision; reason: string } {
  if (local && first && first.prefix === local.prefix) {
    return { decision: 'local-hit', reason: `${first.applianceId} (site ${first.site}) on ${local.prefix}` };
  }
  const how = first?.prefix ? ` on ${first.prefix}` : lastResort ? ', last resort' : ', fallback';
  const servedBy = first ? `; served by ${first.applianceId} (site ${first.site}${how})` : '';
  const none = first ? '' : '; no appliance can serve it';
  if (local) {
    const holders = local.total - local.missing.length;
    if (holders === 0) {
      return {
        decision: first ? 'content-miss' : 'none',
        reason: `content-miss: none of the ${local.total} appliance(s) on ${local.prefix} holds ${fileId}${servedBy}${none}`,
      };
    }
    const why = [
      local.down.length > 0 ? `down: ${list(local.down)}` : '',
      local.full.length > 0 ? `full: ${list(local.full)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return {
      decision: first ? 'health-miss' : 'none',
      reason: `health-miss: ${holders} appliance(s) on ${local.prefix} hold ${fileId} but cannot serve (${why})${servedBy}${none}`,
    };
  }
  if (first) {
    return { decision: 'fallback', reason: `no appliance hears the client's network${servedBy}` };
  }
  const sites =
    fallbackSites.length > 0 ? `fallback site(s) ${fallbackSites.join(', ')}` : 'no fallback site';
  return {
    decision: 'none',
    reason: `no appliance hears the client's network and ${sites} cannot serve ${fileId}`,
  };
}

function list(ids: readonly string[]): string {
  const shown = ids.slice(0, 5).join(', ');
  return ids.length > 5 ? `${shown} and ${ids.length - 5} more` : shown;
}
