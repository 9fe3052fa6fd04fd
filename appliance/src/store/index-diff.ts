// What another process changed in a disk's index, against what this store serves: the
// versions to put in force and the files that have gone. Reads the index and stats the
// version files; changes nothing (store.ts applies the result).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Disk } from './disk.js';
import type { StoredFile } from './types.js';

export function diffIndex(
  disk: Disk,
  serving: ReadonlyMap<string, StoredFile>,
): { install: StoredFile[]; gone: StoredFile[] } {
  const install: StoredFile[] = [];
  const ids = new Set<string>();
  for (const row of disk.db!.all()) {
    ids.add(row.id);
    const path = join(disk.filesDir, row.name ?? row.id);
    const cur = serving.get(row.id);
    if (cur && cur.path === path && cur.sha256 === row.sha256) continue;
    // The same id newer on another disk wins (as at open).
    if (cur && cur.disk !== disk.id && cur.mtimeMs >= row.mtime_ms) continue;
    // A row whose file is not (yet) there is not installed; the old version stays in force.
    if (statSync(path, { throwIfNoEntry: false })?.size !== row.size) continue;
    install.push({
      id: row.id,
      disk: disk.id,
      path,
      size: row.size,
      sha256: row.sha256,
      mtimeMs: row.mtime_ms,
    });
  }
  const gone = [...serving.values()].filter((f) => f.disk === disk.id && !ids.has(f.id));
  return { install, gone };
}
