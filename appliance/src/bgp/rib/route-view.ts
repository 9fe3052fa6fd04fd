// The JSON form of a route as /v1/routes and the feed show it. The attribute part is built
// once per interned attribute set and shared by every prefix that uses it.

import { AFI_IPV4, type Afi, type PathAttributes } from '../codec/types.js';
import type { InternedAttrs } from './attr-intern.js';
import { v4Addr, v4ToString, v6KeyBytes, v6KeyLength, v6ToString } from './prefix-key.js';

/** AS path as numbers; an AS_SET (RFC 4271 §5.1.2) is a nested array. */
export type AsPathView = (number | number[])[];

export interface AttrView {
  origin: 'igp' | 'egp' | 'incomplete' | null;
  asPath: AsPathView;
  nextHop: string | null;
  med: number | null;
  localPref: number | null;
  communities: string[];
  largeCommunities: string[];
}

export interface RouteView extends AttrView {
  prefix: string;
  peer: string;
  /** kept from a peer that is restarting (RFC 4724), not yet re-announced */
  stale?: true;
}

const ORIGINS = ['igp', 'egp', 'incomplete'] as const;

export function asPathView(a: PathAttributes): AsPathView {
  const out: AsPathView = [];
  for (const seg of a.asPath ?? []) {
    if (seg.type === 'set') out.push([...seg.asns]);
    else out.push(...seg.asns);
  }
  return out;
}

function buildView(a: PathAttributes, afi: Afi): AttrView {
  // IPv6 routes carry their next hop in MP_REACH (RFC 4760 §3); IPv4 ones in NEXT_HOP, or in
  // MP_REACH when the peer sends IPv4 over an IPv6 next hop (RFC 8950).
  const nextHop = afi === AFI_IPV4 ? (a.nextHop ?? a.mpNextHop?.[0]) : a.mpNextHop?.[0];
  return {
    origin: a.origin === undefined ? null : (ORIGINS[a.origin] ?? null),
    asPath: asPathView(a),
    nextHop: nextHop ?? null,
    med: a.med ?? null,
    localPref: a.localPref ?? null,
    communities: (a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`),
    largeCommunities: (a.largeCommunities ?? []).map(([g, l1, l2]) => `${g}:${l1}:${l2}`),
  };
}

// Views are cached beside the interned set, per family (the next hop differs by family).
const cache4 = new WeakMap<InternedAttrs, AttrView>();
const cache6 = new WeakMap<InternedAttrs, AttrView>();

export function attrView(entry: InternedAttrs, afi: Afi): AttrView {
  const cache = afi === AFI_IPV4 ? cache4 : cache6;
  let v = cache.get(entry);
  if (!v) {
    v = buildView(entry.attrs, afi);
    cache.set(entry, v);
  }
  return v;
}

/** `10.0.0.0/8` or `2001:db8::/32` from a prefix key (prefix-key.ts). */
export function keyText(afi: Afi, len: number, key: number | string): string {
  if (afi === AFI_IPV4) return `${v4ToString(v4Addr(key as number, len))}/${len}`;
  return `${v6ToString(v6KeyBytes(key as string))}/${v6KeyLength(key as string)}`;
}

export function routeView(afi: Afi, len: number, key: number | string, peer: string, entry: InternedAttrs) {
  return { prefix: keyText(afi, len, key), peer, ...attrView(entry, afi) } satisfies RouteView;
}
