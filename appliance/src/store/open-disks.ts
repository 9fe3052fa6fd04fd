// Opening a store's disks (each directory once, each disk id once) and the store's totals.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { Disk } from './disk.js';
import { StoreError, StoreErrors } from './errors.js';
import type { DiskInfo, StoredFile, StoreStats } from './types.js';

export function openDisks(
  dirs: string[],
  opts: { logger: Logger; create: boolean },
): ReturnType<typeof Disk.open>[] {
  if (dirs.length === 0)
    throw new StoreError(StoreErrors.NO_DISKS, 'at least one store directory is required');
  const paths = dirs.map((d) => resolve(d));
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup) throw new StoreError(StoreErrors.DUPLICATE_DISK, `store directory ${dup} is given twice`);
  const opened = paths.map((p) => Disk.open(p, opts));
  const ids = new Set<string>();
  for (const { disk } of opened) {
    // A copied disk carries its id along; two disks with one id would confuse placement.
    if (ids.has(disk.id)) {
      for (const o of opened) o.disk.db?.close();
      throw new StoreError(StoreErrors.DUPLICATE_DISK, `disk id ${disk.id} (${disk.path}) appears twice`);
    }
    ids.add(disk.id);
  }
  return opened;
}

/** Files and bytes per disk; the totals count servable disks only. */
export function storeStats(disks: DiskInfo[], files: Iterable<StoredFile>): StoreStats {
  const per = new Map(disks.map((d) => [d.id, { ...d, files: 0, bytes: 0 }]));
  for (const f of files) {
    const s = per.get(f.disk)!;
    s.files++;
    s.bytes += f.size;
  }
  const all = [...per.values()];
  const ok = all.filter((d) => d.state === 'ok');
  return {
    files: ok.reduce((n, d) => n + d.files, 0),
    bytes: ok.reduce((n, d) => n + d.bytes, 0),
    disks: all,
  };
}
