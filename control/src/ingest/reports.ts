// A heartbeat's routes and inventory reports, applied to the store first and then the model.
// Each returns false when a delta does not follow the held version (the appliance resyncs).
import type { Heartbeat } from '@ferry/protocol';
import type { ControlModel } from '../model/model.js';
import type { StateStore } from '../state/store.js';

export interface ReportTarget {
  store: StateStore;
  model: ControlModel;
  id: string;
}

export async function applyRoutes(
  { store, model, id }: ReportTarget,
  routes: NonNullable<Heartbeat['routes']>,
): Promise<boolean> {
  if (routes.kind === 'snapshot') {
    const set = {
      epoch: routes.epoch,
      version: routes.version,
      prefixes: routes.routes.map((r) => r.prefix),
    };
    await store.putRoutes(id, set);
    model.setRoutes(id, set);
    return true;
  }
  const delta = {
    epoch: routes.epoch,
    since: routes.since,
    version: routes.version,
    announced: routes.announced.map((r) => r.prefix),
    withdrawn: routes.withdrawn,
  };
  if (!(await store.applyRoutesDelta(id, delta))) return false;
  if (!model.applyRoutesDelta(id, delta)) {
    // The store had moved on without us (another instance wrote it): take its copy.
    const fresh = await store.getRoutes(id);
    if (fresh) model.setRoutes(id, fresh);
  }
  return true;
}

export async function applyInventory(
  { store, model, id }: ReportTarget,
  inv: NonNullable<Heartbeat['inventory']>,
): Promise<boolean> {
  if (inv.kind === 'full') {
    const set = { version: inv.version, files: inv.files };
    await store.putInventory(id, set);
    model.setInventory(id, set);
    return true;
  }
  const delta = { since: inv.since, version: inv.version, added: inv.added, removed: inv.removed };
  if (!(await store.applyInventoryDelta(id, delta))) return false;
  if (!model.applyInventoryDelta(id, delta)) {
    const fresh = await store.getInventory(id);
    if (fresh) model.setInventory(id, fresh);
  }
  return true;
}
