// The synthetic deployment the steering bench loads into control: appliances grouped in
// sites, a table of IPv4 /24s split into contiguous blocks per site (an ISP announces its own
// ranges), each /24 heard by a few of the site's appliances, and one /16 aggregate per /16
// the site's block touches heard by all of them. The aggregates mean a client whose /24
// appliances miss a file is still served inside its network (a `content-miss`, not a 503).
// Pure and deterministic: the same options give the same deployment.

export interface LayoutOptions {
  readonly appliances: number;
  /** IPv4 /24s in the table (aggregates come on top). */
  readonly prefixes: number;
  /** Appliances per site; the last site may have fewer. */
  readonly perSite?: number;
  /** How many of a site's appliances hear each /24. */
  readonly hearers?: number;
}

export interface ApplianceSpec {
  readonly id: string;
  readonly site: string;
  /** Position inside its site (0-based). */
  readonly slot: number;
}

export interface SiteSpec {
  readonly name: string;
  readonly appliances: readonly ApplianceSpec[];
  /** This site's /24s are indices [first, end) of the table. */
  readonly first: number;
  readonly end: number;
}

export interface Layout {
  readonly sites: readonly SiteSpec[];
  readonly appliances: readonly ApplianceSpec[];
  readonly prefixes: number;
  readonly hearers: number;
}

// 5 per site: 100 appliances make the ~20 sites of a mid-sized deployment.
export const DEFAULT_PER_SITE = 5;
export const DEFAULT_HEARERS = 3;
// /24s from 1.0.0.0 upwards: 2^24 of them exist below 256.0.0.0, minus the first /8.
const FIRST_24 = 0x010000;
export const MAX_PREFIXES = 0xff0000;

export function buildLayout(opts: LayoutOptions): Layout {
  const perSite = opts.perSite ?? DEFAULT_PER_SITE;
  if (!Number.isInteger(opts.appliances) || opts.appliances < 1) throw new Error('appliances must be >= 1');
  if (!Number.isInteger(opts.prefixes) || opts.prefixes < 1 || opts.prefixes > MAX_PREFIXES) {
    throw new Error(`prefixes must be 1-${MAX_PREFIXES}`);
  }
  const siteCount = Math.ceil(opts.appliances / perSite);
  const appliances: ApplianceSpec[] = [];
  const sites: SiteSpec[] = [];
  for (let s = 0; s < siteCount; s++) {
    const name = `site-${String(s).padStart(2, '0')}`;
    const members: ApplianceSpec[] = [];
    for (let slot = 0; slot < perSite && s * perSite + slot < opts.appliances; slot++) {
      const a = { id: `a-${String(s * perSite + slot).padStart(3, '0')}`, site: name, slot };
      members.push(a);
      appliances.push(a);
    }
    sites.push({
      name,
      appliances: members,
      first: Math.floor((s * opts.prefixes) / siteCount),
      end: Math.floor(((s + 1) * opts.prefixes) / siteCount),
    });
  }
  return { sites, appliances, prefixes: opts.prefixes, hearers: opts.hearers ?? DEFAULT_HEARERS };
}

/** The /24 with table index `i`, as a dotted address (no length). */
export function prefixAddress(i: number): string {
  const n = FIRST_24 + i;
  return `${n >>> 16}.${(n >>> 8) & 0xff}.${n & 0xff}.0`;
}

export function prefix24(i: number): string {
  return `${prefixAddress(i)}/24`;
}

/** The /16 that holds /24 number `i`. */
export function aggregate16(i: number): string {
  const n = FIRST_24 + i;
  return `${n >>> 16}.${(n >>> 8) & 0xff}.0.0/16`;
}

/** Whether the appliance in `slot` of a site of `size` hears /24 number `i`. */
export function hears(i: number, slot: number, size: number, hearers: number): boolean {
  // A sliding window over the site's members: each /24 goes to `hearers` consecutive slots
  // starting at i mod size, so every member hears about the same share.
  const k = Math.min(hearers, size);
  return (slot - (i % size) + size) % size < k;
}

/** Every prefix one appliance announces: its /24s, then its site's /16 aggregates. */
export function routesOf(layout: Layout, site: SiteSpec, a: ApplianceSpec): string[] {
  const out: string[] = [];
  const size = site.appliances.length;
  for (let i = site.first; i < site.end; i++) {
    if (hears(i, a.slot, size, layout.hearers)) out.push(prefix24(i));
  }
  return [...out, ...aggregatesOf(site)];
}

export function aggregatesOf(site: SiteSpec): string[] {
  const out: string[] = [];
  let last = '';
  for (let i = site.first; i < site.end; i++) {
    const agg = aggregate16(i);
    if (agg !== last) out.push(agg);
    last = agg;
  }
  return out;
}

/** Distinct prefixes in the whole table: /24s plus /16 aggregates (shared /16s count once). */
export function tableSize(layout: Layout): number {
  const aggs = new Set<string>();
  for (const s of layout.sites) for (const a of aggregatesOf(s)) aggs.add(a);
  return layout.prefixes + aggs.size;
}
