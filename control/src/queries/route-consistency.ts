// Where the appliances of one site disagree about what they heard over BGP (a session down
// on one of them, say): the prefixes some heard and others did not.
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';

const MAX_DIFFERENCES = 1000;

export interface RouteDifference {
  prefix: string;
  heardBy: string[];
  missingFrom: string[];
}

export interface RouteConsistency {
  site: string;
  appliances: string[];
  /** distinct prefixes heard in the site */
  prefixes: number;
  consistent: boolean;
  /** sorted by prefix, at most MAX_DIFFERENCES */
  differences: RouteDifference[];
  truncated: boolean;
}

/** Throws FerryError UNKNOWN_SITE when no appliance of `site` is registered. */
export function routeConsistency(model: ControlModel, site: string): RouteConsistency {
  const ids = model
    .listAppliances()
    .filter((a) => a.site === site)
    .map((a) => a.id);
  if (ids.length === 0) throw new FerryError(Errors.UNKNOWN_SITE, site);
  const heard = new Map<string, string[]>();
  for (const id of ids) {
    for (const p of model.routes.prefixesOf(id)) {
      const list = heard.get(p);
      if (list) list.push(id);
      else heard.set(p, [id]);
    }
  }
  const differences: RouteDifference[] = [];
  let total = 0;
  for (const [prefix, heardBy] of heard) {
    if (heardBy.length === ids.length) continue;
    total++;
    if (differences.length >= MAX_DIFFERENCES) continue;
    differences.push({ prefix, heardBy, missingFrom: ids.filter((id) => !heardBy.includes(id)) });
  }
  differences.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  return {
    site,
    appliances: ids,
    prefixes: heard.size,
    consistent: total === 0,
    differences,
    truncated: total > differences.length,
  };
}
