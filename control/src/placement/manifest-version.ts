// A manifest's version: a digest of what it asks for (the files, the set of sources of each,
// the files to drop, and the expiry of its source URLs), not a counter. It changes exactly
// when one of those changes, and every control instance, before and after a restart, gives
// the same manifest the same version. The expiry is a fixed step (manifests.ts), so the
// version moves once per step when there are URLs to renew, and an agent that takes a new
// manifest only on a new version still gets fresh tokens. The order of files and of sources
// is left out: loads and popularity reorder them all the time, and a reordering alone is no
// reason for the appliance to plan again.
import { createHash } from 'node:crypto';
import type { ManifestPlan, PlannedSource } from './manifest-plan.js';

/** A non-negative integer below 2^48 (a safe integer in JSON). */
export function manifestVersion(plan: Pick<ManifestPlan, 'files' | 'drop'>, urlsExpireAt?: number): number {
  const h = createHash('sha256');
  const urls = plan.files.some((f) => f.sources.some((s) => s.kind !== 'origin'));
  if (urls && urlsExpireAt !== undefined) h.update(`e\0${urlsExpireAt}\0`);
  const files = [...plan.files].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const f of files) {
    h.update(`f\0${f.id}\0${f.size}\0${f.sha256}\0`);
    for (const s of f.sources.map(sourceName).sort()) h.update(`s\0${s}\0`);
  }
  for (const d of [...plan.drop].sort()) h.update(`d\0${d}\0`);
  return h.digest().readUIntBE(0, 6);
}

function sourceName(s: PlannedSource): string {
  return s.kind === 'origin' ? `origin:${s.key}` : `${s.kind}:${s.applianceId}:${s.baseUrl}`;
}
