// The Route Explorer's rows (docs/dashboard.md): the prefixes of one appliance or one site,
// each with who in the site heard it and who did not, sorted by prefix, filtered and paged;
// and the same rows as CSV. Reads the model's route index only.
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';

export interface RouteRow {
  site: string;
  prefix: string;
  heardBy: string[];
  missingFrom: string[];
}

export interface RouteQuery {
  site?: string;
  appliance?: string;
  /** only the prefixes some appliance of the site did not hear */
  inconsistent?: boolean;
  /** substring of the prefix */
  q?: string;
}

export interface RoutePage {
  site: string;
  appliances: string[];
  total: number;
  offset: number;
  rows: RouteRow[];
}

/** Every row of the query, sorted by prefix. Throws UNKNOWN_SITE / UNKNOWN_APPLIANCE. */
export function routeRows(
  model: ControlModel,
  query: RouteQuery,
): { site: string; ids: string[]; rows: RouteRow[] } {
  let site = query.site;
  if (query.appliance !== undefined) {
    const rec = model.getAppliance(query.appliance);
    if (!rec) throw new FerryError(Errors.UNKNOWN_APPLIANCE, query.appliance);
    site = rec.site;
  }
  if (site === undefined) throw new FerryError(Errors.VALIDATION, 'querystring needs site or appliance');
  const ids = [...model.idsInSite(site)].sort();
  if (ids.length === 0) throw new FerryError(Errors.UNKNOWN_SITE, site);
  const heard = new Map<string, string[]>();
  const sources = query.appliance !== undefined ? [query.appliance] : ids;
  for (const id of sources) for (const p of model.routes.prefixesOf(id)) heard.set(p, []);
  for (const id of ids) {
    const own = model.routes.prefixesOf(id);
    for (const [p, by] of heard) if (own.has(p)) by.push(id);
  }
  const rows: RouteRow[] = [];
  for (const [prefix, heardBy] of heard) {
    if (query.q && !prefix.includes(query.q)) continue;
    const missingFrom = ids.filter((id) => !heardBy.includes(id));
    if (query.inconsistent && missingFrom.length === 0) continue;
    rows.push({ site, prefix, heardBy, missingFrom });
  }
  rows.sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  return { site, ids, rows };
}

export function routePage(model: ControlModel, query: RouteQuery, offset: number, limit: number): RoutePage {
  const { site, ids, rows } = routeRows(model, query);
  return { site, appliances: ids, total: rows.length, offset, rows: rows.slice(offset, offset + limit) };
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function routesCsv(rows: readonly RouteRow[]): string {
  const lines = ['site,prefix,heard_by,missing_from,consistent'];
  for (const r of rows) {
    lines.push(
      [
        r.site,
        r.prefix,
        r.heardBy.join(' '),
        r.missingFrom.join(' '),
        r.missingFrom.length === 0 ? 'yes' : 'no',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** IPv4 before IPv6, then by address bytes, then shorter prefix first. */
export function comparePrefixes(a: string, b: string): number {
  const ka = prefixKey(a);
  const kb = prefixKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function prefixKey(p: string): string {
  const [addr = '', len = '0'] = p.split('/');
  if (addr.includes(':')) {
    const halves = addr.split('::');
    const head = (halves[0] ?? '').split(':').filter(Boolean);
    const tail = halves.length > 1 ? (halves[1] ?? '').split(':').filter(Boolean) : [];
    const groups = [...head, ...Array(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
    return `6${groups.map((g) => g.padStart(4, '0')).join('')}${len.padStart(3, '0')}`;
  }
  return `4${addr
    .split('.')
    .map((o) => o.padStart(3, '0'))
    .join('')}${len.padStart(3, '0')}`;
}
