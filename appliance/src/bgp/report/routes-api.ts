// GET /v1/routes: the Adj-RIB-In as JSON, filtered and paged. Query checking lives here so
// the HTTP layer only writes what this returns.
//   ?prefix=CIDR   routes inside the CIDR (itself and more specifics)
//   ?contains=IP   routes covering the address
//   ?afi=4|6       one family
//   ?limit=N       1-1000, default 100
//   ?cursor=C      nextCursor of the previous page
import { parseCidr, parseIp } from '@ferry/protocol';
import { Errors } from '../../errors.js';
import { AFI_IPV4, AFI_IPV6 } from '../codec/types.js';
import type { AdjRibIn } from '../rib/rib.js';
import type { ListOptions } from '../rib/rib-list.js';
import { decodeCursor } from '../rib/rib-list.js';
import type { RouteView } from '../rib/route-view.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

const KNOWN = new Set(['prefix', 'contains', 'afi', 'limit', 'cursor']);

export interface RoutesBody {
  routes: RouteView[];
  nextCursor?: string;
  /** routes held in the families asked for, before the prefix/contains filter */
  total: number;
}

export type RoutesResponse =
  | { status: 200; body: RoutesBody }
  | { status: 400; body: { error: string; message: string } };

function bad(message: string): RoutesResponse {
  // The catalogue's 400; typed as the literal so callers narrow on status 200.
  return { status: Errors.BAD_QUERY.status as 400, body: { error: Errors.BAD_QUERY.code, message } };
}

export function routesResponse(rib: AdjRibIn, query: URLSearchParams): RoutesResponse {
  for (const name of new Set(query.keys())) {
    if (!KNOWN.has(name)) return bad(`unknown query parameter "${name}" (known: ${[...KNOWN].join(', ')})`);
    if (query.getAll(name).length > 1) return bad(`query parameter "${name}" given more than once`);
  }
  const opts: ListOptions = { limit: DEFAULT_LIMIT };
  const afi = query.get('afi');
  if (afi !== null) {
    if (afi !== '4' && afi !== '6') return bad('afi must be 4 or 6');
    opts.afi = afi === '4' ? AFI_IPV4 : AFI_IPV6;
  }
  const limit = query.get('limit');
  if (limit !== null) {
    const n = /^[0-9]{1,7}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(n >= 1 && n <= MAX_LIMIT)) return bad(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    opts.limit = n;
  }
  const prefix = query.get('prefix');
  const contains = query.get('contains');
  if (prefix !== null && contains !== null) return bad('give prefix or contains, not both');
  let family: 4 | 6 | undefined;
  if (prefix !== null) {
    const cidr = parseCidr(prefix);
    if (!cidr) return bad('prefix must be a CIDR such as 10.0.0.0/8 or 2001:db8::/32');
    family = cidr.bytes.length === 4 ? 4 : 6;
    opts.within = prefix;
  }
  if (contains !== null) {
    const ip = parseIp(contains);
    if (!ip) return bad('contains must be an IPv4 or IPv6 address');
    family = ip.length === 4 ? 4 : 6;
    opts.contains = contains;
  }
  if (family !== undefined && afi !== null && afi !== String(family)) {
    return bad(`afi=${afi} does not match the IPv${family} ${prefix !== null ? 'prefix' : 'address'}`);
  }
  const cursor = query.get('cursor');
  if (cursor !== null) {
    if (cursor.length > 512 || decodeCursor(cursor) === null)
      return bad('cursor is not one this server gave');
    opts.cursor = cursor;
  }
  const page = rib.list(opts);
  const body: RoutesBody = { routes: page.routes, total: rib.size(opts.afi) };
  if (page.nextCursor !== undefined) body.nextCursor = page.nextCursor;
  return { status: 200, body };
}
