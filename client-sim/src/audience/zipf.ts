// Title choice by popularity: Zipf's law, P(rank r) ∝ 1 / r^s, over titles in rank order
// (catalog order, or by the catalog's popularity figures when it has them). Exponents near
// 1 are what measurements of video-on-demand catalogues report; s = 0 is uniform.
import type { CatalogTitle } from '@ferry/protocol';
import type { Uniform } from '../network/random.js';

export class ZipfPicker {
  private readonly cdf: number[];

  constructor(
    count: number,
    readonly exponent: number,
  ) {
    let sum = 0;
    this.cdf = Array.from({ length: count }, (_, r) => (sum += 1 / (r + 1) ** exponent));
    for (let i = 0; i < count; i++) this.cdf[i]! /= sum;
  }

  /** A rank, 0-based. */
  pick(rand: Uniform): number {
    const u = rand();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  probability(rank: number): number {
    return this.cdf[rank]! - (rank > 0 ? this.cdf[rank - 1]! : 0);
  }
}

/**
 * Title ids most popular first: by the sum of the streams' `popularity` when any stream
 * has one, otherwise in the order given (a stable sort keeps ties in that order).
 */
export function rankTitles(titles: readonly CatalogTitle[]): string[] {
  const weight = (t: CatalogTitle) => t.streams.reduce((s, x) => s + (x.popularity ?? 0), 0);
  if (!titles.some((t) => weight(t) > 0)) return titles.map((t) => t.id);
  return [...titles].sort((a, b) => weight(b) - weight(a)).map((t) => t.id);
}
