// Open descriptors of recently served files, so that a small body costs a read and not an
// open, a read and a close. Bounded in count (least recently used closed first) and in
// idle time (a descriptor unused for IDLE_MS is closed), so a file the store has removed is
// not held open for long. Stored paths name one version of a file and never change content
// (store/disk.ts), so a descriptor stays valid for the path it was opened for.
import { close, constants, openSync } from 'node:fs';

const MAX_OPEN = 256;
const IDLE_MS = 10_000;

interface Held {
  fd: number;
  usedMs: number;
}

export class FdCache {
  readonly #held = new Map<string, Held>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly maxOpen = MAX_OPEN,
    private readonly idleMs = IDLE_MS,
  ) {
    this.#timer = setInterval(() => this.#sweep(Date.now()), Math.max(1000, idleMs / 2)).unref();
  }

  get size(): number {
    return this.#held.size;
  }

  /**
   * A descriptor for `path`, opened now if none is held (O_NONBLOCK: a FIFO cannot hang the
   * open). Throws what open throws.
   */
  fd(path: string, nowMs: number): number {
    const h = this.#held.get(path);
    if (h) {
      h.usedMs = nowMs;
      return h.fd;
    }
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (this.#held.size >= this.maxOpen) this.#closeOldest();
    this.#held.set(path, { fd, usedMs: nowMs });
    return fd;
  }

  /** Closes the descriptor held for `path` (a read through it failed). */
  drop(path: string): void {
    const h = this.#held.get(path);
    if (!h) return;
    this.#held.delete(path);
    close(h.fd, () => {});
  }

  close(): void {
    clearInterval(this.#timer);
    for (const path of [...this.#held.keys()]) this.drop(path);
  }

  #closeOldest(): void {
    let oldest: string | undefined;
    let at = Number.POSITIVE_INFINITY;
    for (const [path, h] of this.#held) {
      if (h.usedMs < at) {
        at = h.usedMs;
        oldest = path;
      }
    }
    if (oldest !== undefined) this.drop(oldest);
  }

  #sweep(nowMs: number): void {
    for (const [path, h] of this.#held) if (nowMs - h.usedMs >= this.idleMs) this.drop(path);
  }
}
