// The model's first fill: everything the store holds, read once at start.
import type { ControlModel } from '../model/model.js';
import type { StateStore } from '../state/store.js';

export async function loadModel(model: ControlModel, store: StateStore): Promise<void> {
  const catalog = await store.getCatalog();
  if (catalog) model.setCatalog(catalog);
  for (const identity of await store.listIdentities()) model.identities.set(identity);
  for (const exp of await store.listExperiments()) model.experiments.set(exp);
  for (const admin of await store.listAdmins()) model.admin.set(admin);
  for (const rec of await store.listAppliances()) {
    const [routes, inventory] = await Promise.all([store.getRoutes(rec.id), store.getInventory(rec.id)]);
    if (routes) await model.setRoutes(rec.id, routes);
    if (inventory) model.setInventory(rec.id, inventory);
    model.setAppliance(rec);
  }
}
