// The model as the write-behind layer reads it (state/write-back.ts): the latest record,
// route set and inventory of every appliance and the catalog. While the store is away the
// model is the only up-to-date copy, so write-back and re-seed take their values from here.
import type { HeldState } from '../state/write-back.js';
import type { ControlModel } from './model.js';

export function heldStateOf(model: ControlModel): HeldState {
  return {
    identities: () => model.identities.list(),
    applianceIds: () => model.listAppliances().map((rec) => rec.id),
    appliance: (id) => model.getAppliance(id),
    routesVersion: (id) => model.routeVersion(id),
    routes: (id) => {
      const v = model.routeVersion(id);
      return v && { epoch: v.epoch, version: v.version, prefixes: [...model.routes.prefixesOf(id)] };
    },
    inventoryVersion: (id) => model.inventoryVersion(id),
    inventory: (id) => {
      const version = model.inventoryVersion(id);
      return version === undefined ? undefined : { version, files: [...model.inventoryOf(id)] };
    },
    catalog: () => model.getCatalog(),
    experiments: () => model.experiments.list(),
    admins: () => model.admin.list(),
  };
}
