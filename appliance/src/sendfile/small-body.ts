// Small bodies, written by node itself: the file bytes are read into one buffer and the
// response ends with res.end(buffer), so the status line, headers and body leave in one
// write (one TCP segment for a small range). For a body of a few KiB that is cheaper than
// the engine's inline path (a dup, an open, a cachestat, a header write, a sendfile and two
// closes: measured in docs/benchmarks.md) and than any hand-off to a thread.
//
// The read runs on the event loop, so it must never wait on a disk: it goes through the
// engine's readCached (preadv2 with RWF_NOWAIT), which refuses a range not wholly in the
// page cache, and through descriptors held open (fd-cache.ts). A refused or failed read
// sends the body the usual way, which then reports what is wrong with the file as it always
// has (a short file's partial body, an open failure); so does anything over SMALL_BODY_MAX.
import type { ServerResponse } from 'node:http';
import { type BodyPart, checkParts, type SendOutcome, type SendPacer, type SendPath } from './body-sender.js';
import { FdCache } from './fd-cache.js';
import { connectionOf } from './response-socket.js';

/** Bodies up to this many bytes are read and written by node. */
export const SMALL_BODY_MAX = 16 * 1024;

/** (fd, buffer, at, length, position) -> bytes read, or -1: not all in the page cache. */
export type CachedRead = (fd: number, buffer: Buffer, at: number, length: number, position: number) => number;

/** Total bytes of the parts, or -1 when they exceed `max` (checked as they are added). */
export function bytesWithin(parts: readonly BodyPart[], max: number): number {
  let total = 0;
  for (const p of parts) {
    total += p.kind === 'bytes' ? p.data.length : p.length;
    if (total > max) return -1;
  }
  return total;
}

export class SmallBodies {
  readonly #fds = new FdCache();

  constructor(private readonly readCached: CachedRead) {}

  /** Reads the parts (`total` bytes, from bytesWithin) into one buffer; null: not all cached, or failed. */
  read(filePath: string, parts: readonly BodyPart[], total: number, nowMs: number): Buffer | null {
    const body = Buffer.allocUnsafe(total);
    let at = 0;
    for (const p of parts) {
      if (p.kind === 'bytes') {
        at += p.data.copy(body, at);
        continue;
      }
      if (!this.#readRange(filePath, body, at, p.offset, p.length, nowMs)) return null;
      at += p.length;
    }
    return body;
  }

  close(): void {
    this.#fds.close();
  }

  #readRange(
    filePath: string,
    body: Buffer,
    at: number,
    offset: number,
    length: number,
    nowMs: number,
  ): boolean {
    let fd: number;
    try {
      fd = this.#fds.fd(filePath, nowMs);
    } catch {
      return false;
    }
    let got = 0;
    try {
      // Bounded: each pass reads at least one byte or leaves.
      while (got < length) {
        const n = this.readCached(fd, body, at + got, length - got, offset + got);
        if (n < 0) return false;
        if (n === 0) {
          this.#fds.drop(filePath);
          return false;
        }
        got += n;
      }
    } catch {
      this.#fds.drop(filePath);
      return false;
    }
    return true;
  }
}

/**
 * BodySender.sendNow for both senders: the outcome when the body went at once, else null
 * with nothing written (larger, not cached, unreadable, paced, bad parts, connection gone:
 * the sender's usual path then reports it as it always has).
 */
export function sendSmallNow(
  small: SmallBodies | null,
  pacer: SendPacer | undefined,
  res: ServerResponse,
  path: SendPath,
  filePath: string,
  parts: BodyPart[],
): SendOutcome | null {
  if (!small || (pacer && pacer.active !== false)) return null;
  if (checkParts(parts)) return null;
  const total = bytesWithin(parts, SMALL_BODY_MAX);
  if (total <= 0) return null;
  if (connectionOf(res)?.destroyed !== false) return null;
  const body = small.read(filePath, parts, total, Date.now());
  return body ? endWithBody(res, path, body) : null;
}

/**
 * Ends the response with a small body. It may still be queued behind an earlier response
 * on the connection (pipelining): node holds a body this small until its turn.
 */
export function endWithBody(res: ServerResponse, path: SendPath, body: Buffer): SendOutcome {
  res.end(body);
  return { path, bytes: body.length, ok: true };
}
