// Keeps the model equal to the store: a full load at start, then one re-read per change the
// store reports (its own writes and, on Redis, other control instances'). Re-reads of one
// key run one after another so a slow read never lands after a newer one.
import type { Logger } from 'pino';
import type { StateChange, StateStore } from '../state/store.js';
import type { ControlModel } from './model.js';

export async function loadModel(model: ControlModel, store: StateStore): Promise<void> {
  const catalog = await store.getCatalog();
  if (catalog) model.setCatalog(catalog);
  for (const rec of await store.listAppliances()) {
    const [routes, inventory] = await Promise.all([store.getRoutes(rec.id), store.getInventory(rec.id)]);
    if (routes) model.setRoutes(rec.id, routes);
    if (inventory) model.setInventory(rec.id, inventory);
    model.setAppliance(rec);
  }
}

/**
 * Writes this instance makes and applies to the model itself. The stores report a local
 * change synchronously inside the write call, so while a key is marked here its echo is
 * skipped: re-reading a full BGP table after every one-second delta would cost more than
 * the delta. A change another instance makes to the same key in that instant is skipped
 * too; the heartbeat route re-reads the store whenever the model's copy no longer lines up.
 */
export class LocalWrites {
  private readonly active = new Map<string, number>();

  async run<T>(key: string, write: () => Promise<T>): Promise<T> {
    this.active.set(key, (this.active.get(key) ?? 0) + 1);
    try {
      return await write();
    } finally {
      const n = (this.active.get(key) ?? 1) - 1;
      if (n > 0) this.active.set(key, n);
      else this.active.delete(key);
    }
  }

  has(key: string): boolean {
    return this.active.has(key);
  }
}

export function changeKey(change: StateChange): string {
  switch (change.kind) {
    case 'appliance':
    case 'routes':
    case 'inventory':
      return `${change.kind}:${change.id}`;
    case 'catalog':
      return 'catalog';
    case 'event':
      return 'event';
  }
}

export interface FollowOptions {
  model: ControlModel;
  store: StateStore;
  logger: Logger;
  localWrites: LocalWrites;
}

/** Follows the store's change feed; returns the unsubscribe function. */
export function followStore(opts: FollowOptions): () => void {
  const { model, store, logger } = opts;
  // Keys of the serial chains below; distinct from changeKey's.
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

  return store.subscribe((change: StateChange) => {
    if (opts.localWrites.has(changeKey(change))) return;
    switch (change.kind) {
      case 'appliance':
        serial(`a:${change.id}`, async () => {
          const rec = await store.getAppliance(change.id);
          if (rec) model.setAppliance(rec);
        });
        break;
      case 'routes':
        serial(`r:${change.id}`, async () => {
          const routes = await store.getRoutes(change.id);
          const held = model.routeVersion(change.id);
          // Our own writes echo back here; skip the diff when the model already has them.
          if (routes && (held?.epoch !== routes.epoch || held.version !== routes.version)) {
            model.setRoutes(change.id, routes);
          }
        });
        break;
      case 'inventory':
        serial(`i:${change.id}`, async () => {
          const inv = await store.getInventory(change.id);
          if (inv && model.inventoryVersion(change.id) !== inv.version) model.setInventory(change.id, inv);
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
