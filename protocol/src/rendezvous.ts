// Rendezvous (highest random weight) hashing: every (key, node) pair gets a pseudo-random
// weight and the key goes to the node with the highest one. Adding or removing a node only
// moves the keys that node wins or held (about 1/n of them), with no ring or virtual nodes
// to tune. Thaler & Ravishankar, "Using name-based mappings to increase hit rates", 1998.

import { createHash } from 'node:crypto';

/** 64-bit weight of `key` on `node`; the NUL separator keeps ("a","bc") apart from ("ab","c"). */
export function rendezvousWeight(key: string, node: string): bigint {
  return createHash('sha256').update(node).update('\0').update(key).digest().readBigUInt64BE(0);
}

/** Nodes ordered from most to least preferred for `key`; ties (practically never) break by name. */
export function rendezvousRank(key: string, nodes: readonly string[]): string[] {
  return rendezvousOrder(key, nodes, (node) => node);
}

/**
 * `items` in rendezvousRank's order of their ids for `key`. `weight` may be a cache of
 * rendezvousWeight (steering asks for the same pairs on every answer); it must agree with it.
 */
export function rendezvousOrder<T>(
  key: string,
  items: readonly T[],
  idOf: (item: T) => string,
  weight: (key: string, node: string) => bigint = rendezvousWeight,
): T[] {
  if (items.length < 2) return [...items];
  return items
    .map((item) => {
      const id = idOf(item);
      return { item, id, w: weight(key, id) };
    })
    .sort((a, b) => (a.w === b.w ? (a.id < b.id ? -1 : 1) : a.w > b.w ? -1 : 1))
    .map((x) => x.item);
}

/** The node that owns `key`, or undefined when there are no nodes. */
export function rendezvousPick(key: string, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestW = -1n;
  for (const node of nodes) {
    const w = rendezvousWeight(key, node);
    if (w > bestW || (w === bestW && best !== undefined && node < best)) {
      best = node;
      bestW = w;
    }
  }
  return best;
}
