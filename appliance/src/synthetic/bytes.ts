// Deterministic file bytes: AES-128-CTR over zeros, keyed by sha256(seed "|" fileId).
// Counter mode turns a cipher into a fast keystream (GB/s with AES-NI), so gigabytes of
// reproducible, incompressible content cost about as much as writing them to disk.

import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

const CHUNK = 4 << 20;
const ZEROS = Buffer.alloc(CHUNK);

/**
 * Writes `size` bytes for (seed, fileId) to `path` atomically (temp file, fsync, rename)
 * and returns their sha256 as lowercase hex.
 */
export function writeDeterministicFile(
  path: string,
  tempPath: string,
  seed: string,
  fileId: string,
  size: number,
): string {
  const material = createHash('sha256').update(`${seed}|${fileId}`).digest();
  const cipher = createCipheriv('aes-128-ctr', material.subarray(0, 16), material.subarray(16, 32));
  const hash = createHash('sha256');
  const fd = openSync(tempPath, 'w');
  try {
    for (let left = size; left > 0; left -= CHUNK) {
      const n = Math.min(CHUNK, left);
      const chunk = cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n));
      hash.update(chunk);
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tempPath, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tempPath, path);
  return hash.digest('hex');
}
