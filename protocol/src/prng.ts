// Seeded randomness where a run must repeat itself: content generation (the catalog records
// its seed, so the same seed must always yield the same files), benchmark plans, and tests
// that must reproduce a failure. Not for anything secret.
import { createHash } from 'node:crypto';

/**
 * mulberry32: tiny, fast, good enough to spread sizes, offsets and addresses. A string seed
 * is reduced to the first 4 bytes of its sha256, so `seededRandom('t0001')` is stable.
 */
export function seededRandom(seed: number | string): () => number {
  let a = typeof seed === 'string' ? createHash('sha256').update(seed).digest().readUInt32LE(0) : seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
