// Writing one version of a file onto a chosen disk: copy while hashing into a temp file,
// check size and sha256 when the caller knows them, rename to a name of the version's own,
// fsync the directory, then the index row (the commit point). Nothing is replaced until all
// of that has worked; a failed copy removes its temp file and gets the disk checked.
import { renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { fsyncDir } from './atomic.js';
import type { Disk } from './disk.js';
import { StoreError, StoreErrors } from './errors.js';
import { copyHashing } from './hash-file.js';
import type { StoredFile } from './types.js';

export interface AddOptions {
  /** Reject the file (nothing is replaced) unless its bytes hash to this lowercase hex. */
  expectedSha256?: string;
  expectedSize?: number;
}

export interface WriteVersionInput {
  disk: Disk;
  id: string;
  source: () => AsyncIterable<Uint8Array>;
  expected: AddOptions;
  /** throws when the store was closed while the copy ran */
  assertOpen: () => void;
  log: Logger;
}

export async function writeVersion(input: WriteVersionInput): Promise<StoredFile> {
  const { disk, id, expected } = input;
  const temp = disk.tempPath(id);
  try {
    const { size, sha256 } = await copyHashing(input.source(), temp);
    if (expected.expectedSha256 !== undefined && sha256 !== expected.expectedSha256) {
      throw new StoreError(
        StoreErrors.CHECKSUM_MISMATCH,
        `${id}: sha256 ${sha256}, expected ${expected.expectedSha256}`,
      );
    }
    if (expected.expectedSize !== undefined && size !== expected.expectedSize) {
      throw new StoreError(
        StoreErrors.CHECKSUM_MISMATCH,
        `${id}: ${size} bytes, expected ${expected.expectedSize}`,
      );
    }
    input.assertOpen();
    return commitVersion(disk, id, temp, { size, sha256 });
  } catch (err) {
    rmSync(temp, { force: true });
    if (err instanceof StoreError) throw err;
    disk.check(input.log);
    throw new StoreError(StoreErrors.WRITE_FAILED, `${id}: copy to disk ${disk.id} failed: ${String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Makes a complete, fsynced file on `disk` (a temp copy, a verified partial download) the
 * version in force of `id`. A new version gets a name of its own: a process still serving
 * the old version (the running appliance beside `ferry content add`) keeps reading the old
 * bytes under the old ETag and length until it switches (refresh), never new bytes under
 * old metadata. The row update is the commit point.
 */
export function commitVersion(
  disk: Disk,
  id: string,
  path: string,
  file: { size: number; sha256: string },
): StoredFile {
  const name = disk.versionName(id, file.sha256);
  const dest = join(disk.filesDir, name);
  renameSync(path, dest);
  fsyncDir(disk.filesDir);
  const mtimeMs = statSync(dest).mtimeMs;
  disk.db!.upsert({ id, disk: disk.id, name, size: file.size, sha256: file.sha256, mtime_ms: mtimeMs });
  return { id, disk: disk.id, path: dest, size: file.size, sha256: file.sha256, mtimeMs };
}
