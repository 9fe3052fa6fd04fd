// Enrollment, the operator's side of appliance identity (docs/security.md): enroll a public
// key for an id and site, disable and enable, remove. Store first, model after, like every
// writer in ingest/. Disabling forgets the appliance's routes and inventory, so it leaves
// the route trie at once and, enabled again, is asked for full reports by its next
// heartbeat (a delta that follows nothing is a resync).
import { parsePublicKey } from '@ferry/protocol';
import { normalizeHost } from '../auth/heartbeat-auth.js';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import type { ApplianceIdentity, StateStore } from '../state/store.js';

export interface EnrollmentTarget {
  store: StateStore;
  model: ControlModel;
  /** forgets the (boot, seq) held for a removed appliance */
  forgetHeartbeats(id: string): void;
}

export interface EnrollInput {
  id: string;
  site: string;
  publicKey: string;
  urlHosts?: string[];
}

/** Enrolls a key; `created` false when the id was known with this key (site and hosts updated). */
export async function enroll(
  t: EnrollmentTarget,
  input: EnrollInput,
): Promise<{ identity: ApplianceIdentity; created: boolean }> {
  if (!parsePublicKey(input.publicKey)) throw new FerryError(Errors.BAD_PUBLIC_KEY);
  const prev = t.model.identities.get(input.id)?.identity ?? (await t.store.getIdentity(input.id));
  if (prev && prev.publicKey !== input.publicKey) throw new FerryError(Errors.APPLIANCE_EXISTS, input.id);
  const identity: ApplianceIdentity = {
    id: input.id,
    site: input.site,
    publicKey: input.publicKey,
    urlHosts: [...new Set((input.urlHosts ?? []).map(normalizeHost))],
    disabled: prev?.disabled ?? false,
    enrolledMs: prev?.enrolledMs ?? Date.now(),
  };
  await t.store.putIdentity(identity);
  t.model.identities.set(identity);
  await t.store.appendEvent({
    timeMs: Date.now(),
    applianceId: identity.id,
    kind: prev ? 're-enrolled' : 'enrolled',
    reason: `${identity.site} ${identity.urlHosts.join(',') || '(source address)'}`,
  });
  return { identity, created: !prev };
}

async function known(t: EnrollmentTarget, id: string): Promise<ApplianceIdentity> {
  const identity = t.model.identities.get(id)?.identity ?? (await t.store.getIdentity(id));
  if (!identity) throw new FerryError(Errors.UNKNOWN_IDENTITY, id);
  return identity;
}

export async function setDisabled(
  t: EnrollmentTarget,
  id: string,
  disabled: boolean,
): Promise<ApplianceIdentity> {
  const prev = await known(t, id);
  const identity = { ...prev, disabled };
  await t.store.putIdentity(identity);
  t.model.identities.set(identity);
  if (disabled) {
    await t.store.clearReports(id);
    t.model.clearReports(id);
  }
  if (prev.disabled !== disabled) {
    await t.store.appendEvent({
      timeMs: Date.now(),
      applianceId: id,
      kind: disabled ? 'disabled' : 'enabled',
    });
  }
  return identity;
}

/** Identity, record, routes and inventory: gone from steering and the route trie at once. */
export async function removeAppliance(t: EnrollmentTarget, id: string): Promise<void> {
  const identity = t.model.identities.get(id) ?? (await t.store.getIdentity(id));
  if (!identity && !t.model.getAppliance(id) && !(await t.store.getAppliance(id))) {
    throw new FerryError(Errors.UNKNOWN_APPLIANCE, id);
  }
  await t.store.removeAppliance(id);
  t.model.identities.remove(id);
  t.model.removeAppliance(id);
  t.forgetHeartbeats(id);
  await t.store.appendEvent({
    timeMs: Date.now(),
    applianceId: id,
    kind: 'removed',
    reason: 'by an operator',
  });
}
