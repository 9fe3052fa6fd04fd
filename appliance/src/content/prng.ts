// A small deterministic generator for sizes and choices, seeded from a string, so that the
// same seed always yields the same catalog. Not for anything secret.

import { createHash } from 'node:crypto';

/** mulberry32 seeded with the first 4 bytes of sha256(seed): fast, good enough spread. */
export function seededRandom(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
