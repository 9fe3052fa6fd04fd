// The appliances one client can be sent to: those that heard a prefix covering it and those
// in the fallback sites, with their evaluated health, inventory and load from the model; and,
// for the last resort, every enabled appliance.
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
    const c = candidate(model, id);
    if (c) out.set(c.id, c);
  }
  return out;
}

/** Every enabled appliance (the last resort: asked only when nothing else can serve). */
export function lastResortCandidates(model: ControlModel): Candidate[] {
  const out: Candidate[] = [];
  for (const id of model.applianceIds()) {
    const c = candidate(model, id);
    if (c) out.push(c);
  }
  return out;
}

function candidate(model: ControlModel, id: string): Candidate | undefined {
  const held = model.peekAppliance(id);
  // A disabled appliance has no routes in the trie, but may sit in a fallback site. Drained
  // by an operator, in a maintenance window or turning up: left out, even as a last resort.
  if (!held || model.isDisabled(id) || model.isHeldOut(id, held.rec, Date.now())) return undefined;
  const { rec, health } = held;
  const files = model.inventoryOf(rec.id);
  return {
    id: rec.id,
    site: rec.site,
    url: rec.url,
    health,
    // Bound, not an arrow: no closure (and no name wrapper of the transpiler) per candidate.
    holds: files.has.bind(files),
    loadBps: rec.loadBps,
    capacityBps: rec.capacityBps,
  };
}
