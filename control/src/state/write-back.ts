// Writing what this instance holds in memory back into a store that was away, key by key,
// without blindly overwriting what another control instance wrote meanwhile:
//   appliance record  ours unless the stored one has a later heartbeat
//   routes            ours unless the stored set is a later version of the same epoch; the
//                     same epoch and version is already there. Another epoch: ours (epochs
//                     have no order). Should that be the older one, the appliance's next delta
//                     does not follow it and asks for a snapshot, so routes heal themselves.
//   inventory         ours unless the stored version is the same or later
//   catalog           ours when it was posted here while the store was away; on a re-seed
//                     only where the store has none
//   admin state       only re-seeded (operator calls write it straight to the store)
//   experiment        by the store's own rule (experiment-merge.ts): ours where its state is
//                     further along, applied times merged; a stored state further along wins
// The checks read before they write, so two instances writing back the same key at the same
// instant can still race; the delta check and the next heartbeat settle it within seconds.
import type { Catalog } from '@ferry/protocol';
import type {
  AdminRecord,
  ApplianceIdentity,
  ApplianceRecord,
  ExperimentRecord,
  InventorySet,
  RouteSet,
  StateChange,
  StateStore,
} from './store.js';

/** The in-memory model as write-back reads it (control/src/model/held-state.ts). */
export interface HeldState {
  /** enrolled identities: a Redis that came back empty needs them, or no appliance is let in */
  identities(): ApplianceIdentity[];
  applianceIds(): string[];
  appliance(id: string): ApplianceRecord | undefined;
  routesVersion(id: string): { epoch: string; version: number } | undefined;
  routes(id: string): RouteSet | undefined;
  inventoryVersion(id: string): number | undefined;
  inventory(id: string): InventorySet | undefined;
  catalog(): Catalog | undefined;
  /** chaos experiments: every instance must answer heartbeats from the same ones */
  experiments(): ExperimentRecord[];
  /** operators' admin state (drains, windows): re-seeded into a store that came back empty */
  admins(): AdminRecord[];
}

/** written: ours is stored now; kept: the store already had it or something later; absent: we hold nothing */
export type WriteBackResult = 'written' | 'kept' | 'theirs-newer' | 'absent';

type KeyChange = Exclude<StateChange, { kind: 'event' }>;

export async function writeBackKey(
  store: StateStore,
  held: HeldState,
  change: KeyChange,
  options: { catalogOnlyIfMissing?: boolean } = {},
): Promise<WriteBackResult> {
  switch (change.kind) {
    case 'identity': {
      // Enrollment writes go straight to the store (operator calls, answered 503 while it is
      // away), so an identity is only ever re-seeded: ours unless the store has one.
      const ours = held.identities().find((i) => i.id === change.id);
      if (!ours) return 'absent';
      if (await store.getIdentity(change.id)) return 'kept';
      await store.putIdentity(ours);
      return 'written';
    }
    case 'admin': {
      // Written straight to the store as enrollment is: only ever re-seeded.
      const ours = held.admins().find((a) => a.id === change.id);
      if (!ours) return 'absent';
      if (await store.getAdmin(change.id)) return 'kept';
      await store.putAdmin(ours);
      return 'written';
    }
    case 'appliance': {
      const ours = held.appliance(change.id);
      if (!ours) return 'absent';
      const stored = await store.getAppliance(change.id);
      if (stored && stored.lastHeartbeatMs > ours.lastHeartbeatMs) return 'theirs-newer';
      await store.putAppliance(ours);
      return 'written';
    }
    case 'routes': {
      const v = held.routesVersion(change.id);
      if (!v) return 'absent';
      const stored = await store.getRoutes(change.id);
      if (stored && stored.epoch === v.epoch) {
        if (stored.version > v.version) return 'theirs-newer';
        if (stored.version === v.version) return 'kept';
      }
      await store.putRoutes(change.id, held.routes(change.id) as RouteSet);
      return 'written';
    }
    case 'inventory': {
      const v = held.inventoryVersion(change.id);
      if (v === undefined) return 'absent';
      const stored = await store.getInventory(change.id);
      if (stored && stored.version > v) return 'theirs-newer';
      if (stored && stored.version === v) return 'kept';
      await store.putInventory(change.id, held.inventory(change.id) as InventorySet);
      return 'written';
    }
    case 'experiment': {
      const ours = held.experiments().find((e) => e.id === change.id);
      if (!ours) return 'absent';
      // The store keeps the state further along; a stored state ahead of ours is theirs.
      return (await store.putExperiment(ours)) === 'changed' ? 'written' : 'theirs-newer';
    }
    case 'catalog': {
      const ours = held.catalog();
      if (!ours) return 'absent';
      if (options.catalogOnlyIfMissing && (await store.getCatalog())) return 'kept';
      await store.putCatalog(ours);
      return 'written';
    }
  }
}

/** Every key the model holds, identities and appliances first: what a store that came back empty needs. */
export function everyHeldKey(held: HeldState): KeyChange[] {
  const ids = held.applianceIds();
  const keys: KeyChange[] = held.identities().map((i) => ({ kind: 'identity', id: i.id }));
  for (const id of ids) keys.push({ kind: 'appliance', id });
  for (const a of held.admins()) keys.push({ kind: 'admin', id: a.id });
  for (const id of ids) keys.push({ kind: 'routes', id }, { kind: 'inventory', id });
  for (const e of held.experiments()) keys.push({ kind: 'experiment', id: e.id });
  keys.push({ kind: 'catalog' });
  return keys;
}
