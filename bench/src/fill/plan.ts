// What `ferry bench fill` moves (pure): how many titles make the requested size, and the split
// of the catalog into the title every appliance already holds (it serves the load while the
// rest fills) and the fill set, the same objects for the anchor and for Ferry.
import type { Catalog } from '@ferry/protocol';

/** About 200 MiB per title-minute (docs/content-and-store.md); titles are one minute long. */
export const TITLE_MINUTE_BYTES = 200 * 1024 * 1024;

export interface FillObject {
  fileId: string;
  size: number;
  sha256: string;
}

export interface FillPlan {
  /** held by every appliance before it starts, and served under load */
  serve: FillObject[];
  /** what the appliances fill and the anchor downloads */
  fill: FillObject[];
  fillBytes: number;
}

/** Titles of one minute for a fill set of about `gib` GiB, plus one title to serve. */
export function titlesFor(gib: number): number {
  if (!(gib > 0)) throw new Error('the fill set must be larger than 0 GiB');
  return Math.max(1, Math.round((gib * 1024 ** 3) / TITLE_MINUTE_BYTES)) + 1;
}

export function splitCatalog(catalog: Catalog): FillPlan {
  if (catalog.titles.length < 2) throw new Error('the fill bench needs at least two titles');
  const [first, ...rest] = catalog.titles;
  const objects = (titles: Catalog['titles']) =>
    titles.flatMap((t) => t.streams.map((s) => ({ fileId: s.streamId, size: s.size, sha256: s.sha256 })));
  const fill = objects(rest);
  return { serve: objects([first!]), fill, fillBytes: fill.reduce((n, f) => n + f.size, 0) };
}

/**
 * The catalog control gets: every stream equally popular from the start, so placement puts
 * every file on every appliance of a site (`N × popularity / top` copies) and a site of three
 * fills the same set three times over, one copy from the origin and the rest from peers.
 */
export function withUniformPopularity(catalog: Catalog): Catalog {
  return {
    ...catalog,
    titles: catalog.titles.map((t) => ({ ...t, streams: t.streams.map((s) => ({ ...s, popularity: 1e9 })) })),
  };
}
