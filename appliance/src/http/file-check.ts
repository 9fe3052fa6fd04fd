// Opens the file behind a response before its headers are written. Once a 200/206 status
// line and Content-Length are out, a file that cannot be read can only be answered by
// closing the connection (an empty or truncated reply, which a player retries against the
// same appliance); found here, it is a 500 with a catalogue error and the file is taken out
// of service. One open + fstat + close, on libuv's thread pool.
//
// That check is three pool round-trips, more than everything else a small range costs, so
// a file found good is taken as good for RECHECK_MS: within that window its responses go
// straight to the body sender. A file that breaks inside the window is still caught there
// (the engine's open fails: FERRY_SEND_OPEN_FAILED / SHORT_FILE take it out of service),
// only answered by a closed connection instead of a 500. Stored paths carry their version
// (store/disk.ts), so a re-added file is a new path and never inherits an old verdict.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { setBounded } from '@ferry/protocol';

/** How long a file found good is not checked again. */
export const RECHECK_MS = 1000;
/** Bound on the verdicts held; past it the oldest are dropped. */
const MAX_VERDICTS = 4096;

export class FileCheck {
  /** path -> when it was found good, with the size it was found good at */
  readonly #good = new Map<string, { size: number; atMs: number }>();

  constructor(private readonly recheckMs: number = RECHECK_MS) {}

  /** True when `path` was found good at `size` within the window: no check is needed. */
  knownGood(path: string, size: number, nowMs: number): boolean {
    const v = this.#good.get(path);
    return v !== undefined && v.size === size && nowMs - v.atMs < this.recheckMs;
  }

  /** Why the file cannot be served as indexed, or undefined when it can (and is remembered). */
  async problem(path: string, size: number, nowMs: number): Promise<string | undefined> {
    const why = await fileProblem(path, size);
    if (why === undefined) this.#remember(path, size, nowMs);
    else this.#good.delete(path);
    return why;
  }

  /** Forget a verdict: the file was found broken another way (the body sender's open). */
  forget(path: string): void {
    this.#good.delete(path);
  }

  #remember(path: string, size: number, atMs: number): void {
    setBounded(this.#good, path, { size, atMs }, MAX_VERDICTS);
  }
}

/** Why the file cannot be served as indexed, or undefined when it can. */
export async function fileProblem(path: string, size: number): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // O_NONBLOCK: a FIFO left in the store would otherwise block a pool thread in open().
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile()) return 'not a regular file';
    if (st.size !== size) return `size ${st.size}, indexed as ${size}`;
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code ?? String(err);
  } finally {
    await handle?.close().catch(() => {});
  }
}
