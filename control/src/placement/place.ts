// Placement (DESIGN flow 5): which files each appliance should hold. Pure and deterministic:
// the same catalog, fleet and popularity give the same answer on every control instance.
//
// Per site, files are taken in popularity order (most popular first). Each gets a replica
// count in proportion to its popularity there (replicas.ts: the top file on every appliance,
// every file on at least one), and its copies go to the appliances that rank highest for it
// by rendezvous hashing (protocol/src/rendezvous.ts, as steering ranks them) among those with
// room left for it. Rendezvous is what keeps moves small: an appliance added takes only the
// copies it now ranks first for (about 1/N), an appliance lost hands only its own copies to
// the next in rank. Capacity is never exceeded: a file that fits nowhere is not placed.
//
// Against thrashing, a previous placement may be handed in: a file keeps its replica count
// inside the hysteresis band, a file already placed in a site counts `incumbentBonus` times
// its popularity when the order is drawn (a newcomer must be clearly more popular to push it
// out at the capacity boundary), and a copy that spills past a full appliance goes back to
// where it was if there is room there.
import { rendezvousRank } from '@ferry/protocol';
import { replicaCount } from './replicas.js';
import { type ParentTiers, type PopularityTables, sitePopularity } from './site-popularity.js';

export interface PlacementFile {
  readonly id: string;
  readonly size: number;
}

export interface PlacementAppliance {
  readonly id: string;
  /** bytes it may fill (capacity.ts: headroom already taken off) */
  readonly capacityBytes: number;
}

/** What a previous run placed. */
export interface PreviousPlacement {
  /** per site, the replica count of every file it placed there */
  readonly replicas: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** applianceId → the files it was given */
  readonly wanted?: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface PlacementInput {
  /** the catalog's files, in catalog order (the tie-break between equally popular files) */
  readonly files: readonly PlacementFile[];
  /** the appliances that fill, per site */
  readonly sites: ReadonlyMap<string, readonly PlacementAppliance[]>;
  readonly popularity: PopularityTables;
  readonly parents?: ParentTiers;
  readonly previous?: PreviousPlacement;
  /** replicas.ts; default 0.25 */
  readonly hysteresis?: number;
  /** default 1.25 */
  readonly incumbentBonus?: number;
}

/** How one file was placed in one site. */
export interface FileTrace {
  readonly fileId: string;
  readonly popularity: number;
  /** the count wanted */
  readonly replicas: number;
  /** where its copies went, best ranked first; shorter than `replicas` when room ran out */
  readonly placedOn: readonly string[];
  /** appliances it ranked higher on but that had no room for it */
  readonly full: readonly string[];
}

export interface SitePlacement {
  readonly site: string;
  /** files in the order they were placed (popularity, incumbency, catalog order) */
  readonly files: readonly FileTrace[];
  /** bytes left per appliance */
  readonly room: ReadonlyMap<string, number>;
}

export interface PlacementResult {
  readonly wanted: Map<string, Set<string>>;
  readonly sites: ReadonlyMap<string, SitePlacement>;
  /** to hand back as `previous` next time: the replica counts of placed files */
  readonly replicas: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export const DEFAULT_HYSTERESIS = 0.25;
export const DEFAULT_INCUMBENT_BONUS = 1.25;

/** applianceId → the files it should hold. */
export function place(input: PlacementInput): Map<string, Set<string>> {
  return placeWithTrace(input).wanted;
}

export function placeWithTrace(input: PlacementInput): PlacementResult {
  const wanted = new Map<string, Set<string>>();
  const sites = new Map<string, SitePlacement>();
  const replicas = new Map<string, ReadonlyMap<string, number>>();
  for (const site of [...input.sites.keys()].sort()) {
    const placed = placeSite(site, input);
    sites.set(site, placed);
    const counts = new Map<string, number>();
    for (const f of placed.files) {
      if (f.placedOn.length > 0) counts.set(f.fileId, f.replicas);
    }
    for (const a of input.sites.get(site) ?? []) wanted.set(a.id, new Set());
    for (const f of placed.files) for (const id of f.placedOn) wanted.get(id)!.add(f.fileId);
    replicas.set(site, counts);
  }
  return { wanted, sites, replicas };
}

function placeSite(site: string, input: PlacementInput): SitePlacement {
  // Sorted by id so that the order appliances were listed in never matters.
  const appliances = [...(input.sites.get(site) ?? [])].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const ids = appliances.map((a) => a.id);
  const room = new Map(appliances.map((a) => [a.id, Math.max(0, a.capacityBytes)]));
  const popularity = sitePopularity(site, input.popularity, input.parents);
  const previous = input.previous?.replicas.get(site);
  const bonus = input.incumbentBonus ?? DEFAULT_INCUMBENT_BONUS;
  const rule = {
    appliances: ids.length,
    top: input.files.reduce((m, f) => Math.max(m, popularity.get(f.id) ?? 0), 0),
    hysteresis: input.hysteresis ?? DEFAULT_HYSTERESIS,
  };
  const order = input.files
    .map((file, index) => {
      const pop = popularity.get(file.id) ?? 0;
      return { file, index, pop, weight: previous?.has(file.id) ? pop * bonus : pop };
    })
    .sort((a, b) => b.weight - a.weight || a.index - b.index);

  const files: FileTrace[] = [];
  for (const { file, pop } of order) {
    const count = replicaCount(pop, rule, previous?.get(file.id));
    const placedOn: string[] = [];
    const full: string[] = [];
    if (count > 0) {
      const ranked = rendezvousRank(file.id, ids);
      const take = (id: string) => {
        room.set(id, room.get(id)! - file.size);
        placedOn.push(id);
      };
      // The copies go to the `count` best ranked appliances; a copy one of them has no room
      // for spills down the ranking, to an appliance that held the file before if one has
      // room (so the spill does not wander as the boundary shifts), else to the next in rank.
      for (const id of ranked.slice(0, count)) {
        if (room.get(id)! >= file.size) take(id);
        else full.push(id);
      }
      const rest = ranked.slice(count);
      const held = (id: string) => input.previous?.wanted?.get(id)?.has(file.id) === true;
      for (const id of [...rest.filter(held), ...rest.filter((id) => !held(id))]) {
        if (placedOn.length === count) break;
        if (room.get(id)! >= file.size) take(id);
        else full.push(id);
      }
    }
    files.push({ fileId: file.id, popularity: pop, replicas: count, placedOn, full });
  }
  return { site, files, room };
}
