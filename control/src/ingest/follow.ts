// Keeps the model equal to the store for changes other control instances make (Redis), and
// for everything after a reconnect: one re-read per change. Re-reads of one key run one after
// another so a slow read never lands after a newer one.
//
// The echo rule: a change whose origin is this store instance was written by this instance's
// own ingest path (ingest/), which has already put it into the model; re-reading a full BGP
// table after every one-second delta would cost more than the delta, so such a change is
// skipped. Nothing else is: a change with another instance's origin, or with none (a resync),
// is always re-read, even when this instance is writing the same key at that instant. The
// re-read goes out on the store's command connection after any local write already sent on
// it, so it returns the newer of the two and lands last.
import type { Logger } from 'pino';
import type { ControlModel } from '../model/model.js';
import type { ChangeOrigin, StateChange, StateStore } from '../state/store.js';

export interface FollowOptions {
  model: ControlModel;
  store: StateStore;
  logger: Logger;
}

/** True for a change this instance's ingest path wrote and applied to the model itself. */
export function isOwnEcho(store: Pick<StateStore, 'instanceId'>, origin: ChangeOrigin): boolean {
  return origin !== undefined && origin === store.instanceId;
}

/** Follows the store's change feed; returns the unsubscribe function. */
export function followStore(opts: FollowOptions): () => void {
  const { model, store, logger } = opts;
  const chains = new Map<string, Promise<void>>();

  const serial = (key: string, task: () => Promise<void>) => {
    const prev = chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(task)
      .catch((err: unknown) => logger.error({ err, key }, 'refreshing the model from the store failed'))
      .finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    chains.set(key, next);
  };

  return store.subscribe((change: StateChange, origin: ChangeOrigin) => {
    if (isOwnEcho(store, origin)) return;
    switch (change.kind) {
      case 'appliance':
        serial(`a:${change.id}`, async () => {
          const rec = await store.getAppliance(change.id);
          // Absent: another instance removed it.
          if (rec) model.setAppliance(rec);
          else if (model.getAppliance(change.id)) model.removeAppliance(change.id);
        });
        break;
      case 'routes':
        serial(`r:${change.id}`, async () => {
          const routes = await store.getRoutes(change.id);
          const held = model.routeVersion(change.id);
          // Absent: cleared (disabled) or removed on another instance.
          if (!routes && held) model.clearRoutes(change.id);
          // A resync announces everything; skip the diff when the model already has this version.
          if (routes && (held?.epoch !== routes.epoch || held.version !== routes.version)) {
            await model.setRoutes(change.id, routes);
          }
        });
        break;
      case 'inventory':
        serial(`i:${change.id}`, async () => {
          const inv = await store.getInventory(change.id);
          if (inv && model.inventoryVersion(change.id) !== inv.version) model.setInventory(change.id, inv);
          else if (!inv && model.inventoryVersion(change.id) !== undefined) model.clearInventory(change.id);
        });
        break;
      case 'identity':
        serial(`id:${change.id}`, async () => {
          const identity = await store.getIdentity(change.id);
          if (identity) model.identities.set(identity);
          else model.identities.remove(change.id);
        });
        break;
      case 'experiment':
        serial(`x:${change.id}`, async () => {
          const exp = await store.getExperiment(change.id);
          if (exp) model.experiments.set(exp);
          else model.experiments.remove(change.id);
        });
        break;
      case 'admin':
        serial(`ad:${change.id}`, async () => {
          const admin = await store.getAdmin(change.id);
          if (admin) model.admin.set(admin);
          else model.admin.remove(change.id);
        });
        break;
      case 'catalog':
        serial('catalog', async () => {
          const catalog = await store.getCatalog();
          if (catalog) model.setCatalog(catalog);
        });
        break;
      case 'event':
        break;
    }
  });
}
