// A site's popularity as placement weighs it: the catalog's base, what the site itself served,
// and what every site below it in the parent tiers served. A parent fills its children and
// takes their overflow, so their demand is its demand too.

export interface PopularityTables {
  /** per site, per file: bytes served there (any one scale for all) */
  readonly sites: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** per file, counted once in every site: the catalog's initial popularity */
  readonly base?: ReadonlyMap<string, number>;
}

/** child site → parent site */
export type ParentTiers = ReadonlyMap<string, string>;

/** `site`'s popularity of every file it or a site below it has a value for, base included. */
export function sitePopularity(
  site: string,
  tables: PopularityTables,
  parents: ParentTiers = new Map(),
): Map<string, number> {
  const children = new Map<string, string[]>();
  for (const [child, parent] of parents) {
    const list = children.get(parent);
    if (list) list.push(child);
    else children.set(parent, [child]);
  }
  const out = new Map<string, number>(tables.base ?? []);
  // A cycle in the tiers (refused by the config, but this stays pure and total) is walked once.
  const seen = new Set<string>();
  const walk = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const [file, v] of tables.sites.get(s) ?? []) out.set(file, (out.get(file) ?? 0) + v);
    for (const c of children.get(s) ?? []) walk(c);
  };
  walk(site);
  return out;
}
