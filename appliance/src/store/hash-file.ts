// sha256 of files: synchronous for the consistency pass at open (before serving starts),
// and while streaming for adds, so bytes are read once.

import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;

export function hashFileSync(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null)) {
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Writes `source` to a new file at `dest` (must not exist), fsyncs it, returns size and sha256. */
export async function copyHashing(
  source: AsyncIterable<Uint8Array>,
  dest: string,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const fh = await open(dest, 'wx');
  let size = 0;
  try {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
      let off = 0;
      while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { size, sha256: hash.digest('hex') };
}
