// Rendezvous order for steering without a SHA-256 per (file, appliance) on every answer: the
// weights (protocol rendezvousWeight, the same order every part of Ferry computes) are kept in
// a bounded map, since a fleet has few appliances and a catalog few files, and the same pairs
// come back on every answer for them.
import { rendezvousOrder as orderBy, rendezvousWeight } from '@ferry/protocol';

/** Pairs kept at most (~100 B each): a 200-appliance fleet × a 2,500-file catalog. */
const MAX_WEIGHTS = 500_000;

/** file id → appliance id → weight (two lookups, no key string built per pair) */
const weights = new Map<string, Map<string, bigint>>();
let held = 0;

function weight(fileId: string, node: string): bigint {
  let byNode = weights.get(fileId);
  let w = byNode?.get(node);
  if (w === undefined) {
    w = rendezvousWeight(fileId, node);
    // Past the bound the map starts over: simpler than LRU, and refilling costs one hash each.
    if (held >= MAX_WEIGHTS) {
      weights.clear();
      held = 0;
      byNode = undefined;
    }
    if (!byNode) {
      byNode = new Map();
      weights.set(fileId, byNode);
    }
    byNode.set(node, w);
    held++;
  }
  return w;
}

/** `items` ordered as protocol's rendezvousRank orders their ids for `fileId`. */
export function rendezvousOrder<T extends { id: string }>(fileId: string, items: readonly T[]): T[] {
  return orderBy(fileId, items, (item) => item.id, weight);
}
