// A heartbeat's inventory report, applied to the store first and then the model (routes, which
// can be a full BGP table, have their own path: routes.ts). Returns false when a delta does
// not follow the held version (the appliance resyncs).
import type { Heartbeat } from '@ferry/protocol';
import type { ControlModel } from '../model/model.js';
import type { StateStore } from '../state/store.js';

export interface ReportTarget {
  store: StateStore;
  model: ControlModel;
  id: string;
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
