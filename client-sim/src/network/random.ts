// Distributions drawn from a seeded uniform source (protocol's mulberry32), so a plan made
// with one seed is made again identically.

export type Uniform = () => number;

/** Standard normal by Box–Muller; 1 - u keeps log() away from 0. */
export function normal(rand: Uniform): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function logNormal(rand: Uniform, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rand));
}

export function exponential(rand: Uniform, mean: number): number {
  return -mean * Math.log(1 - rand());
}
