// Listing the Adj-RIB-In in a stable order (family, address, length, peer) with cursor paging
// and filters. Maps are unordered by prefix, so a page scans the table and keeps the smallest
// `limit` routes past the cursor; the kept set is trimmed as it grows, so a 1M-route scan
// allocates little beyond the page itself. `contains` needs no scan: one lookup per length.
import { parseCidr, parseIp } from '@ferry/protocol';
import { AFI_IPV4, AFI_IPV6, type Afi } from '../codec/types.js';
import { v4Addr, v4FromBytes, v4Key, v4Mask, v6Key, v6KeyBytes, v6SortKey } from './prefix-key.js';
import type { AdjRibIn, PeerTable } from './rib.js';
import { type RouteView, routeView } from './route-view.js';

export interface ListOptions {
  afi?: Afi;
  /** routes inside this CIDR (the prefix itself and more specifics) */
  within?: string;
  /** routes that cover this address */
  contains?: string;
  /** opaque, from a previous page's nextCursor */
  cursor?: string;
  limit: number;
}

export interface ListResult {
  routes: RouteView[];
  nextCursor?: string;
}

interface Candidate {
  afi: Afi;
  len: number;
  key: number | string;
  sort: number | string;
  peer: string;
  id: number;
}

type Position = [afi: Afi, sort: number | string, peer: string];

export function encodeCursor(pos: Position): string {
  return Buffer.from(JSON.stringify(pos)).toString('base64url');
}

/** The position a cursor stands for, or null when it is not one this module wrote. */
export function decodeCursor(text: string): Position | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3) return null;
    const [afi, sort, peer] = v as unknown[];
    if (afi === AFI_IPV4 && typeof sort === 'number' && typeof peer === 'string') return [afi, sort, peer];
    if (afi === AFI_IPV6 && typeof sort === 'string' && typeof peer === 'string') return [afi, sort, peer];
    return null;
  } catch {
    return null;
  }
}

function compare(a: Position, b: Position): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

function position(c: Candidate): Position {
  return [c.afi, c.sort, c.peer];
}

/** Keeps the `keep` smallest candidates; trimming in batches keeps the cost near O(n). */
class SmallestK {
  items: Candidate[] = [];
  private bound: Position | null = null;
  constructor(private readonly keep: number) {}

  /** True when a candidate at `pos` could still make the page (cheap pre-check before allocating). */
  wants(pos: Position): boolean {
    return this.bound === null || compare(pos, this.bound) < 0;
  }

  add(c: Candidate): void {
    this.items.push(c);
    if (this.items.length >= this.keep * 2 + 64) this.trim();
  }

  trim(): void {
    this.items.sort((a, b) => compare(position(a), position(b)));
    if (this.items.length > this.keep) this.items.length = this.keep;
    if (this.items.length === this.keep) this.bound = position(this.items[this.keep - 1]!);
  }
}

export function listRoutes(rib: AdjRibIn, opts: ListOptions): ListResult {
  const after = opts.cursor === undefined ? null : decodeCursor(opts.cursor);
  if (opts.cursor !== undefined && after === null) throw new RangeError('malformed cursor');
  const within = opts.within === undefined ? null : parseCidr(opts.within);
  if (opts.within !== undefined && !within) throw new RangeError(`malformed CIDR ${opts.within}`);
  const contains = opts.contains === undefined ? null : parseIp(opts.contains);
  if (opts.contains !== undefined && !contains) throw new RangeError(`malformed address ${opts.contains}`);

  // One more than the page, to know whether another page follows.
  const best = new SmallestK(opts.limit + 1);
  const families = [AFI_IPV4, AFI_IPV6].filter(
    (f) =>
      (opts.afi === undefined || opts.afi === f) &&
      (within === null || within.bytes.length === (f === AFI_IPV4 ? 4 : 16)) &&
      (contains === null || contains.length === (f === AFI_IPV4 ? 4 : 16)),
  ) as Afi[];
  const consider = (c: Omit<Candidate, 'id'>, id: number) => {
    const pos: Position = [c.afi, c.sort, c.peer];
    if (after && compare(pos, after) <= 0) return;
    if (!best.wants(pos)) return;
    best.add({ ...c, id });
  };
  for (const afi of families) {
    for (const t of rib.peerTables()) {
      if (afi === AFI_IPV4) scan4(t, within, contains, consider);
      else scan6(t, within, contains, consider);
    }
  }
  best.trim();
  const page = best.items.slice(0, opts.limit);
  const routes = page.map((c) => {
    const view: RouteView = routeView(c.afi, c.len, c.key, c.peer, rib.attrs.get(c.id));
    // Only while a peer restarts (RFC 4724 §4.2); absent otherwise, so pages stay as they were.
    return rib.isStale(c.peer, c.afi, c.len, c.key) ? { ...view, stale: true as const } : view;
  });
  const last = page[page.length - 1];
  return best.items.length > opts.limit && last
    ? { routes, nextCursor: encodeCursor(position(last)) }
    : { routes };
}

type Consider = (c: Omit<Candidate, 'id'>, id: number) => void;

function scan4(
  t: PeerTable,
  within: { bytes: Uint8Array; bits: number } | null,
  contains: Uint8Array | null,
  consider: Consider,
): void {
  const peer = t.peer;
  if (contains) {
    const addr = v4FromBytes(contains);
    for (let len = 0; len <= 32; len++) {
      const key = v4Key(v4Mask(addr, len), len);
      const id = t.v4[len]!.get(key);
      if (id !== undefined)
        consider({ afi: AFI_IPV4, len, key, sort: v4Mask(addr, len) * 64 + len, peer }, id);
    }
    return;
  }
  const base = within ? v4FromBytes(within.bytes) : 0;
  const bits = within ? within.bits : 0;
  for (let len = bits; len <= 32; len++) {
    for (const [key, id] of t.v4[len]!) {
      const addr = v4Addr(key, len);
      if (bits > 0 && v4Mask(addr, bits) !== base) continue;
      consider({ afi: AFI_IPV4, len, key, sort: addr * 64 + len, peer }, id);
    }
  }
}

function bytesMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole] ?? 0) & mask) === ((b[whole] ?? 0) & mask);
}

function scan6(
  t: PeerTable,
  within: { bytes: Uint8Array; bits: number } | null,
  contains: Uint8Array | null,
  consider: Consider,
): void {
  const peer = t.peer;
  if (contains) {
    for (let len = 0; len <= 128; len++) {
      const key = v6Key(contains, len);
      const id = t.v6.get(key);
      if (id !== undefined) consider({ afi: AFI_IPV6, len, key, sort: v6SortKey(key), peer }, id);
    }
    return;
  }
  for (const [key, id] of t.v6) {
    const len = key.charCodeAt(0);
    if (within && (len < within.bits || !bytesMatch(v6KeyBytes(key), within.bytes, within.bits))) continue;
    consider({ afi: AFI_IPV6, len, key, sort: v6SortKey(key), peer }, id);
  }
}
