// BGP's route preference, as far as steering uses it (RFC 4271 §9.1.2.2, after the longest
// match): higher LOCAL_PREF, then the shorter AS_PATH (an AS_SET counts as one), then the
// lower ORIGIN (IGP < EGP < INCOMPLETE), then the lower MED — compared, as BGP does by
// default, only between routes from the same neighbouring AS (the first AS of the path).
// The appliance uses it to report its best route per prefix; control to rank appliances
// that heard the same prefix.

export interface PathPref {
  localPref: number;
  asPathLength: number;
  /** 0 IGP, 1 EGP, 2 INCOMPLETE */
  origin: number;
  med: number;
  /** the first AS of the path; 0 for an empty path (a route of the peer's own AS, iBGP) */
  neighborAs: number;
}

/** What a route without the attribute counts as: BIRD's and most routers' defaults. */
export const DEFAULT_LOCAL_PREF = 100;
/** A missing MED is the best (RFC 4271 §9.1.2.2 c). */
export const DEFAULT_MED = 0;

const ORIGIN_RANK = { igp: 0, egp: 1, incomplete: 2 } as const;

export interface PrefAttributes {
  asPath?: unknown[] | undefined;
  localPref?: number | null | undefined;
  med?: number | null | undefined;
  origin?: 'igp' | 'egp' | 'incomplete' | null | undefined;
}

/** The preference of a route as the feed reports it; missing attributes take the defaults. */
export function pathPref(r: PrefAttributes): PathPref {
  const path = r.asPath ?? [];
  const first = path[0];
  const neighborAs = typeof first === 'number' ? first : Array.isArray(first) ? Number(first[0] ?? 0) : 0;
  return {
    localPref: r.localPref ?? DEFAULT_LOCAL_PREF,
    asPathLength: path.length,
    origin: r.origin ? ORIGIN_RANK[r.origin] : ORIGIN_RANK.igp,
    med: r.med ?? DEFAULT_MED,
    neighborAs,
  };
}

/**
 * Negative when `a` is preferred, positive when `b` is, 0 when BGP cannot tell them apart on
 * these attributes. MED counts only between routes of the same neighbouring AS, so this is
 * not a total order across neighbours: rank with prefClasses, not a sort.
 */
export function comparePref(a: PathPref, b: PathPref): number {
  return (
    b.localPref - a.localPref ||
    a.asPathLength - b.asPathLength ||
    a.origin - b.origin ||
    (a.neighborAs === b.neighborAs ? a.med - b.med : 0)
  );
}

/**
 * Items grouped into preference classes, best class first: by LOCAL_PREF, path length and
 * origin; then, within one of those, an item whose MED is beaten by another of the same
 * neighbouring AS goes to a later class (as many classes later as distinct lower MEDs of that
 * AS), as BGP with deterministic MED would order them. Items keep their input order within a
 * class.
 */
export function prefClasses<T>(items: readonly T[], pref: (item: T) => PathPref): T[][] {
  const keyed = items.map((item, i) => ({ item, i, p: pref(item), medRank: 0 }));
  const byBase = new Map<string, typeof keyed>();
  for (const k of keyed) {
    const base = `${k.p.localPref}/${k.p.asPathLength}/${k.p.origin}`;
    const list = byBase.get(base);
    if (list) list.push(k);
    else byBase.set(base, [k]);
  }
  for (const list of byBase.values()) {
    const medsByAs = new Map<number, number[]>();
    for (const k of list) {
      const meds = medsByAs.get(k.p.neighborAs);
      if (meds) meds.push(k.p.med);
      else medsByAs.set(k.p.neighborAs, [k.p.med]);
    }
    for (const k of list) {
      const lower = new Set(medsByAs.get(k.p.neighborAs)!.filter((m) => m < k.p.med));
      k.medRank = lower.size;
    }
  }
  keyed.sort(
    (a, b) =>
      b.p.localPref - a.p.localPref ||
      a.p.asPathLength - b.p.asPathLength ||
      a.p.origin - b.p.origin ||
      a.medRank - b.medRank ||
      a.i - b.i,
  );
  const out: T[][] = [];
  let last: (typeof keyed)[number] | undefined;
  for (const k of keyed) {
    const same =
      last &&
      last.p.localPref === k.p.localPref &&
      last.p.asPathLength === k.p.asPathLength &&
      last.p.origin === k.p.origin &&
      last.medRank === k.medRank;
    if (same) out[out.length - 1]!.push(k.item);
    else out.push([k.item]);
    last = k;
  }
  return out;
}
