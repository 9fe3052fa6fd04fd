// The fleet as placement and manifests see it, read from the model: which appliances fill and
// how much they may hold, the catalog's files, and each appliance as a fill source.
import { type Catalog, type CatalogStream, isServing } from '@ferry/protocol';
import type { FillConfig } from '../config.js';
import type { ControlModel } from '../model/model.js';
import { fillCapacity } from '../placement/capacity.js';
import type { FleetMember } from '../placement/manifest-plan.js';
import type { PlacementAppliance } from '../placement/place.js';
import type { ApplianceRecord } from '../state/store.js';

/**
 * The appliances placement gives files to, per site: those whose heartbeats say they fill (or
 * that asked for a manifest here), enabled, and heard from within `lostAfterMs`.
 */
export function fillingSites(
  model: ControlModel,
  config: FillConfig,
  askedManifest: ReadonlySet<string>,
  nowMs: number,
): Map<string, PlacementAppliance[]> {
  const sites = new Map<string, PlacementAppliance[]>();
  for (const rec of model.listAppliances()) {
    if (!(rec.fills || askedManifest.has(rec.id)) || model.isDisabled(rec.id)) continue;
    if (nowMs - rec.lastHeartbeatMs > config.lostAfterMs) continue;
    const rule = { keepFree: config.keepFree, overrideBytes: config.capacityBytes };
    const entry = { id: rec.id, capacityBytes: fillCapacity(rec.diskBytes ?? 0, rule) };
    const list = sites.get(rec.site);
    if (list) list.push(entry);
    else sites.set(rec.site, [entry]);
  }
  return sites;
}

/** Every stream of the catalog, in catalog order: one file each. */
export function catalogFiles(catalog: Catalog | undefined): CatalogStream[] {
  return catalog ? catalog.titles.flatMap((t) => t.streams) : [];
}

/** What changes placement besides popularity: the filling appliances, their room, the catalog. */
export function fleetSignature(sites: ReadonlyMap<string, readonly PlacementAppliance[]>): string {
  const parts: string[] = [];
  for (const [site, list] of sites) for (const a of list) parts.push(`${site}/${a.id}/${a.capacityBytes}`);
  return parts.sort().join('\n');
}

/** One appliance as a fill source and as a holder, for manifest-plan.ts. */
export function fleetMember(model: ControlModel, rec: ApplianceRecord): FleetMember {
  const files = model.inventoryOf(rec.id);
  const window = model.fillReports.get(rec.id)?.report.window;
  return {
    id: rec.id,
    url: rec.url,
    serving: isServing(rec.health) && !model.isDisabled(rec.id),
    loadShare: rec.capacityBps > 0 ? rec.loadBps / rec.capacityBps : 0,
    ...(window === undefined ? {} : { windowOpen: window === 'open' }),
    holds: (fileId) => files.has(fileId),
  };
}

/** The appliances of one site (all of them, filling or not: any holder can be a source). */
export function siteMembers(model: ControlModel, site: string): FleetMember[] {
  const out: FleetMember[] = [];
  for (const id of [...model.idsInSite(site)].sort()) {
    const rec = model.getAppliance(id);
    if (rec) out.push(fleetMember(model, rec));
  }
  return out;
}
