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
  return nodes
    .map((node) => ({ node, w: rendezvousWeight(key, node) }))
    .sort((a, b) => (a.w === b.w ? (a.node < b.node ? -1 : 1) : a.w > b.w ? -1 : 1))
    .map((x) => x.node);
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
