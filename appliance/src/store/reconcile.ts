// The consistency pass at open. The bytes on disk are the truth and the index is a cache
// of them: a crash can leave a renamed file whose row was never written, a row whose file
// was removed, or a row that describes an older version of a replaced file. Each case is
// repaired from the files themselves, and logged. Versions other than the one the index
// names are removed once they are old enough that no add can still be committing them.

import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Disk, parseStoredName } from './disk.js';
import { hashFileSync } from './hash-file.js';
import type { IndexDb } from './index-db.js';
import type { StoredFile } from './types.js';

/** An add renames its version in, then writes the row: a younger unnamed version may be one. */
const STALE_VERSION_MS = 60_000;

interface Present {
  name: string;
  size: number;
  mtimeMs: number;
}

export function reconcile(disk: Disk, db: IndexDb, logger: Logger): StoredFile[] {
  const log = logger.child({ disk: disk.id });
  const byId = new Map<string, Present[]>();
  for (const ent of readdirSync(disk.filesDir, { withFileTypes: true })) {
    const parsed = ent.isFile() ? parseStoredName(ent.name) : null;
    if (!parsed) {
      log.warn({ file: ent.name }, 'store: ignoring entry that is not a file with a valid id');
      continue;
    }
    const st = statSync(join(disk.filesDir, ent.name));
    const list = byId.get(parsed.id) ?? [];
    list.push({ name: ent.name, size: st.size, mtimeMs: st.mtimeMs });
    byId.set(parsed.id, list);
  }

  const files: StoredFile[] = [];
  const toFile = (id: string, name: string, size: number, sha256: string, mtimeMs: number): StoredFile => ({
    id,
    disk: disk.id,
    path: join(disk.filesDir, name),
    size,
    sha256,
    mtimeMs,
  });
  const keep = (id: string, name: string) => {
    const now = Date.now();
    for (const p of byId.get(id) ?? []) {
      if (p.name === name || now - p.mtimeMs < STALE_VERSION_MS) continue;
      rmSync(join(disk.filesDir, p.name), { force: true });
      log.info({ file: id, version: p.name }, 'store: removed a replaced version');
    }
  };

  db.transaction(() => {
    const indexed = new Set<string>();
    for (const row of db.all()) {
      const name = row.name ?? row.id;
      const st = byId.get(row.id)?.find((p) => p.name === name);
      if (!st) {
        db.delete(row.id);
        log.warn({ file: row.id }, 'store: dropped index row whose file is gone');
        continue;
      }
      indexed.add(row.id);
      keep(row.id, name);
      if (st.size !== row.size || st.mtimeMs !== row.mtime_ms || row.disk !== disk.id) {
        // Replaced (or moved here) without its row being updated: hash what is really there.
        const sha256 = hashFileSync(join(disk.filesDir, name));
        db.upsert({ id: row.id, disk: disk.id, name: row.name, size: st.size, sha256, mtime_ms: st.mtimeMs });
        log.warn({ file: row.id }, 'store: re-hashed file that changed since it was indexed');
        files.push(toFile(row.id, name, st.size, sha256, st.mtimeMs));
        continue;
      }
      files.push(toFile(row.id, name, row.size, row.sha256, row.mtime_ms));
    }
    for (const [id, list] of byId) {
      if (indexed.has(id)) continue;
      // No row: the newest version is the one an interrupted add meant to commit.
      const newest = list.reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a));
      const sha256 = hashFileSync(join(disk.filesDir, newest.name));
      const name = newest.name === id ? null : newest.name;
      db.upsert({ id, disk: disk.id, name, size: newest.size, sha256, mtime_ms: newest.mtimeMs });
      log.warn({ file: id, size: newest.size }, 'store: indexed file that had no index row');
      keep(id, newest.name);
      files.push(toFile(id, newest.name, newest.size, sha256, newest.mtimeMs));
    }
  });
  return files;
}
