// Tables for the placement tests: a catalog of files with Zipf popularity, sites of
// appliances, and how many (appliance, file) pairs changed between two placements.
import type { PlacementAppliance, PlacementFile, PlacementInput } from '../../src/placement/place.js';

export function files(n: number, size = 100, prefix = 'f'): PlacementFile[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i).padStart(4, '0')}`, size }));
}

/** Zipf (s = 1): the i-th file is 1/(i+1) as popular as the first; `top` bytes for the first. */
export function zipf(list: readonly PlacementFile[], top = 1_000_000): Map<string, number> {
  return new Map(list.map((f, i) => [f.id, top / (i + 1)]));
}

export function appliances(n: number, capacityBytes: number, prefix = 'a'): PlacementAppliance[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, capacityBytes }));
}

/** One site `s` of `apps`, popularity `pop` there. */
export function oneSite(
  list: readonly PlacementFile[],
  apps: readonly PlacementAppliance[],
  pop: ReadonlyMap<string, number>,
  site = 's',
): PlacementInput {
  return { files: list, sites: new Map([[site, apps]]), popularity: { sites: new Map([[site, pop]]) } };
}

export function pairs(wanted: ReadonlyMap<string, ReadonlySet<string>>): number {
  let n = 0;
  for (const set of wanted.values()) n += set.size;
  return n;
}

/**
 * Pairs added or removed on the appliances present in both placements, as a share of the
 * pairs of the larger placement: the copies that had to be fetched or evicted elsewhere than
 * on the appliance that came or went.
 */
export function movedShare(
  before: ReadonlyMap<string, ReadonlySet<string>>,
  after: ReadonlyMap<string, ReadonlySet<string>>,
): number {
  let moved = 0;
  for (const [id, was] of before) {
    const now = after.get(id);
    if (!now) continue;
    for (const f of was) if (!now.has(f)) moved++;
    for (const f of now) if (!was.has(f)) moved++;
  }
  return moved / Math.max(pairs(before), pairs(after));
}

/**
 * As movedShare, counting only files placed both before and after: under capacity pressure
 * an appliance added (or lost) also lets more (or fewer) files fit at all, which is growth,
 * not a move.
 */
export function relocatedShare(
  before: ReadonlyMap<string, ReadonlySet<string>>,
  after: ReadonlyMap<string, ReadonlySet<string>>,
): number {
  const placedBefore = new Set(copies(before).keys());
  const placedAfter = new Set(copies(after).keys());
  let moved = 0;
  for (const [id, was] of before) {
    const now = after.get(id);
    if (!now) continue;
    for (const f of was) if (!now.has(f) && placedAfter.has(f)) moved++;
    for (const f of now) if (!was.has(f) && placedBefore.has(f)) moved++;
  }
  return moved / Math.max(pairs(before), pairs(after));
}

/** Bytes placed on each appliance. */
export function usedBytes(
  wanted: ReadonlyMap<string, ReadonlySet<string>>,
  list: readonly PlacementFile[],
): Map<string, number> {
  const size = new Map(list.map((f) => [f.id, f.size]));
  const out = new Map<string, number>();
  for (const [id, set] of wanted) {
    let sum = 0;
    for (const f of set) sum += size.get(f)!;
    out.set(id, sum);
  }
  return out;
}

/** How many appliances hold each file. */
export function copies(wanted: ReadonlyMap<string, ReadonlySet<string>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const set of wanted.values()) for (const f of set) out.set(f, (out.get(f) ?? 0) + 1);
  return out;
}
