// What to do with a manifest, given what the store holds: pure, so the rules are tested on
// tables. A wanted file counts as held only in the manifest's version (same sha256): an
// older version is fetched again and replaced. Held files that control no longer wants
// (listed in `drop`, or simply left out) are evicted after the grace period.
import type { FillManifest, ManifestFile } from '@ferry/protocol';

export interface HeldVersion {
  sha256: string;
  size: number;
}

export interface FillPlan {
  /** wanted and not held in the manifest's version, in manifest order (most popular first) */
  missing: ManifestFile[];
  /** held, and not wanted */
  unwanted: string[];
  /** wanted files held in the manifest's version */
  heldWanted: number;
}

export function planFill(manifest: FillManifest, held: ReadonlyMap<string, HeldVersion>): FillPlan {
  const wanted = new Set<string>();
  const missing: ManifestFile[] = [];
  let heldWanted = 0;
  for (const f of manifest.files) {
    if (wanted.has(f.fileId)) continue;
    wanted.add(f.fileId);
    const h = held.get(f.fileId);
    if (h && h.sha256 === f.sha256 && h.size === f.size) heldWanted++;
    else missing.push(f);
  }
  const unwanted: string[] = [];
  for (const id of held.keys()) if (!wanted.has(id)) unwanted.push(id);
  return { missing, unwanted, heldWanted };
}

/** The missing files to start now: not running, not waiting for a retry, at most `slots`. */
export function nextToStart(
  missing: readonly ManifestFile[],
  busy: ReadonlySet<string>,
  retryAtMs: ReadonlyMap<string, number>,
  nowMs: number,
  slots: number,
): ManifestFile[] {
  const out: ManifestFile[] = [];
  for (const f of missing) {
    if (out.length >= slots) break;
    if (busy.has(f.fileId)) continue;
    const at = retryAtMs.get(f.fileId);
    if (at !== undefined && at > nowMs) continue;
    out.push(f);
  }
  return out;
}

export const RETRY_MAX_MS = 5 * 60_000;

/**
 * The wait before a file whose every source failed is tried again: the base doubled per
 * failed round, at most five minutes, with "equal jitter" (half to all of it) so files that
 * failed together (the origin was down) are not all retried in the same second.
 */
export function retryDelayMs(rounds: number, baseMs: number, random: () => number): number {
  const ceiling = Math.min(RETRY_MAX_MS, baseMs * 2 ** Math.min(Math.max(rounds - 1, 0), 20));
  return ceiling / 2 + (ceiling / 2) * random();
}

/**
 * Names of partial downloads (`<id>+<first 16 hex of sha256>`) that no wanted file will
 * resume: a file control stopped wanting, or an older version of one it wants.
 */
export function stalePartials(names: readonly string[], manifest: FillManifest): string[] {
  const keep = new Set(manifest.files.map((f) => `${f.fileId}+${f.sha256.slice(0, 16)}`));
  return names.filter((n) => !keep.has(n));
}
