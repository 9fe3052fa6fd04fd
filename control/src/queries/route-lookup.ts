// What the route trie says about one address: the most specific covering prefix with the
// appliances that heard it, and every covering prefix with the preference of each
// appliance's route there, what steering breaks ties on (protocol's RouteLookup).
import { parseIp, type RouteLookup } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';

/** Throws FerryError BAD_IP when `ip` is not an IPv4 or IPv6 address. */
export function lookupRoute(model: ControlModel, ip: string): RouteLookup {
  if (!parseIp(ip)) throw new FerryError(Errors.BAD_IP, `"${ip}"`);
  const covering = model.routes.covering(ip);
  const best = covering[0];
  const appliances = (best?.applianceIds ?? []).flatMap((id) => {
    const rec = model.getAppliance(id);
    return rec ? [{ id, site: rec.site, health: rec.health, url: rec.url }] : [];
  });
  return {
    ip,
    prefix: best?.prefix ?? null,
    appliances,
    covering: covering.map((m) => ({
      prefix: m.prefix,
      applianceIds: m.applianceIds,
      prefs: m.prefs.map((p) => p ?? null),
    })),
  };
}
