// The appliances one client can be sent to: those that heard a prefix covering it and those
// in the fallback sites, with their evaluated health, inventory and load from the model.
import type { ControlModel } from '../model/model.js';
import type { CoveringMatch } from '../model/route-index.js';
import type { Candidate } from './rank.js';

export function candidates(
  model: ControlModel,
  covering: readonly CoveringMatch[],
  fallbackSites: readonly string[],
): Map<string, Candidate> {
  const ids = new Set<string>();
  for (const m of covering) for (const id of m.applianceIds) ids.add(id);
  for (const site of fallbackSites) for (const id of model.idsInSite(site)) ids.add(id);
  const out = new Map<string, Candidate>();
  for (const id of ids) {
    const rec = model.getAppliance(id);
    // A disabled appliance has no routes in the trie, but may sit in a fallback site.
    if (!rec || model.isDisabled(id)) continue;
    const files = model.inventoryOf(rec.id);
    out.set(rec.id, {
      id: rec.id,
      site: rec.site,
      url: rec.url,
      health: rec.health,
      holds: (fileId) => files.has(fileId),
      loadBps: rec.loadBps,
      capacityBps: rec.capacityBps,
    });
  }
  return out;
}
