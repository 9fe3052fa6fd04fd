// The consistency pass at open. The bytes on disk are the truth and the index is a cache
// of them: a crash can leave a renamed file whose row was never written, a row whose file
// was removed, or a row that describes an older version of a replaced file. Each case is
// repaired from the files themselves, and logged.

import { readdirSync, statSync } from 'node:fs';
import { isValidFileId } from '@ferry/protocol';
import type { Logger } from 'pino';
import type { Disk } from './disk.js';
import { hashFileSync } from './hash-file.js';
import type { IndexDb } from './index-db.js';
import type { StoredFile } from './types.js';

export function reconcile(disk: Disk, db: IndexDb, logger: Logger): StoredFile[] {
  const log = logger.child({ disk: disk.id });
  const present = new Map<string, { size: number; mtimeMs: number }>();
  for (const ent of readdirSync(disk.filesDir, { withFileTypes: true })) {
    if (!ent.isFile() || !isValidFileId(ent.name)) {
      log.warn({ file: ent.name }, 'store: ignoring entry that is not a file with a valid id');
      continue;
    }
    const st = statSync(disk.filePath(ent.name));
    present.set(ent.name, { size: st.size, mtimeMs: st.mtimeMs });
  }

  const files: StoredFile[] = [];
  const toFile = (id: string, size: number, sha256: string, mtimeMs: number): StoredFile => ({
    id,
    disk: disk.id,
    path: disk.filePath(id),
    size,
    sha256,
    mtimeMs,
  });

  db.transaction(() => {
    const indexed = new Set<string>();
    for (const row of db.all()) {
      const st = present.get(row.id);
      if (!st) {
        db.delete(row.id);
        log.warn({ file: row.id }, 'store: dropped index row whose file is gone');
        continue;
      }
      indexed.add(row.id);
      if (st.size !== row.size || st.mtimeMs !== row.mtime_ms || row.disk !== disk.id) {
        // Replaced (or moved here) without its row being updated: hash what is really there.
        const sha256 = hashFileSync(disk.filePath(row.id));
        db.upsert({ id: row.id, disk: disk.id, size: st.size, sha256, mtime_ms: st.mtimeMs });
        log.warn({ file: row.id }, 'store: re-hashed file that changed since it was indexed');
        files.push(toFile(row.id, st.size, sha256, st.mtimeMs));
        continue;
      }
      files.push(toFile(row.id, row.size, row.sha256, row.mtime_ms));
    }
    for (const [id, st] of present) {
      if (indexed.has(id)) continue;
      const sha256 = hashFileSync(disk.filePath(id));
      db.upsert({ id, disk: disk.id, size: st.size, sha256, mtime_ms: st.mtimeMs });
      log.warn({ file: id, size: st.size }, 'store: indexed file that had no index row');
      files.push(toFile(id, st.size, sha256, st.mtimeMs));
    }
  });
  return files;
}
