// File I/O for the MP4 reader: positioned reads through one descriptor (the walker asks only
// for box headers, moov and moofs), and the file's sha256 in bounded chunks.

import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import type { ReadAt } from './boxes.js';

const HASH_CHUNK = 1 << 20;

export function fdReader(fd: number): ReadAt {
  return (offset, length) => {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  };
}

export function sha256OfFd(fd: number, size: number): string {
  const hash = createHash('sha256');
  const buf = Buffer.alloc(HASH_CHUNK);
  for (let at = 0; at < size; ) {
    const n = readSync(fd, buf, 0, Math.min(HASH_CHUNK, size - at), at);
    if (n === 0) throw new Error(`file shrank while hashing (${at} of ${size} bytes)`);
    hash.update(buf.subarray(0, n));
    at += n;
  }
  return hash.digest('hex');
}
