// Partial files: downloads in progress (fill), in DIR/.ferry/partial/ of the disk the file
// will live on. Unlike the temp copies of .ferry/tmp/ they survive a restart, so a fill cut
// short (a crash, a kill -9, the fill window closing) resumes from the bytes it has. A
// partial is never served: it is outside files/, the index does not know it, and it
// becomes a version only by a rename once its sha256 was verified (commitVersion). Its name
// is the version name, `<id>+<first 16 hex of sha256>`, so bytes of one version are never
// resumed as another's.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Disk, parseStoredName } from './disk.js';

export interface PartialFile {
  id: string;
  /** the version's name: `<id>+<hex>` */
  name: string;
  /** id of the disk holding it (a commit renames it into that disk's files/) */
  disk: string;
  path: string;
  /** bytes on disk now */
  length: number;
}

function partialAt(disk: Disk, name: string, id: string): PartialFile | undefined {
  const path = join(disk.partialDir, name);
  const st = statSync(path, { throwIfNoEntry: false });
  return st?.isFile() ? { id, name, disk: disk.id, path, length: st.size } : undefined;
}

/** The partial of this version on any healthy disk, if there is one. */
export function findPartial(disks: readonly Disk[], id: string, sha256: string): PartialFile | undefined {
  for (const d of disks) {
    if (d.state !== 'ok') continue;
    const found = partialAt(d, d.versionName(id, sha256), id);
    if (found) return found;
  }
  return undefined;
}

/** Where a new partial of this version goes on `disk` (its directory is created). */
export function newPartial(disk: Disk, id: string, sha256: string): PartialFile {
  mkdirSync(disk.partialDir, { recursive: true });
  const name = disk.versionName(id, sha256);
  return { id, name, disk: disk.id, path: join(disk.partialDir, name), length: 0 };
}

/** Every partial on the healthy disks; names that are not version names are left out. */
export function listPartials(disks: readonly Disk[]): PartialFile[] {
  const out: PartialFile[] = [];
  for (const d of disks) {
    if (d.state !== 'ok') continue;
    let names: string[];
    try {
      names = readdirSync(d.partialDir);
    } catch {
      continue;
    }
    for (const name of names) {
      const parsed = parseStoredName(name);
      if (!parsed?.versioned) continue;
      const p = partialAt(d, name, parsed.id);
      if (p) out.push(p);
    }
  }
  return out;
}
