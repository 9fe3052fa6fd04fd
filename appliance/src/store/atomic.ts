// Crash-safe file replacement: write a temp file beside the target, fsync it, rename over
// the target, fsync the directory. After a crash the target is either the old or the new
// content, never a torn mix; the rename is only durable once the directory is synced.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A temp name in the same directory (same filesystem, so rename is atomic), hidden by its dot. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

export function writeFileAtomic(path: string, data: string | Buffer): void {
  const temp = tempPathFor(path);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const fd = openSync(temp, 'w');
  try {
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}
