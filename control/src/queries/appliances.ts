// The registry as devices and operators read it: each appliance's record with its health and
// how many routes and files it reported (protocol's ApplianceView).
import { type ApplianceIdentityView, type ApplianceView, isServing } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import type { ApplianceRecord } from '../state/store.js';
import { turnupReason } from './turnup.js';

export function applianceView(model: ControlModel, rec: ApplianceRecord): ApplianceView {
  const rv = model.routeVersion(rec.id);
  return {
    ...rec,
    healthReason: viewReason(rec),
    routes: model.routes.count(rec.id),
    routesEpoch: rv?.epoch ?? null,
    routesVersion: rv?.version ?? null,
    files: model.inventoryOf(rec.id).size,
    inventoryVersion: model.inventoryVersion(rec.id) ?? null,
    keys: rec.keys ?? [],
    enrollment: enrollmentOf(model, rec.id),
    admin: model.admin.view(rec.id, Date.now()),
  };
}

/**
 * A serving verdict's reason ("probes, heartbeat and load ok") would hide why steering leaves
 * a turning-up appliance out; any other verdict's reason (keys, stale heartbeat) comes first.
 */
function viewReason(rec: ApplianceRecord): string {
  const turnup = isServing(rec.health) ? turnupReason(rec.turnup) : undefined;
  return turnup ?? rec.healthReason;
}

function enrollmentOf(model: ControlModel, id: string): ApplianceView['enrollment'] {
  const enrolled = model.identities.get(id);
  if (!enrolled) return 'unenrolled';
  return enrolled.identity.disabled ? 'disabled' : 'enrolled';
}

/** Every enrolled identity, heartbeating or not (public keys: nothing secret). */
export function listIdentityViews(model: ControlModel): ApplianceIdentityView[] {
  return model.identities.list();
}

export function listApplianceViews(model: ControlModel): ApplianceView[] {
  return model.listAppliances().map((rec) => applianceView(model, rec));
}

/** Throws FerryError UNKNOWN_APPLIANCE for an id control has never heard from. */
export function getApplianceView(model: ControlModel, id: string): ApplianceView {
  const rec = model.getAppliance(id);
  if (!rec) throw new FerryError(Errors.UNKNOWN_APPLIANCE, id);
  return applianceView(model, rec);
}
