// Loads the native sendfile engine and wraps it in a checked API. The binary is looked up
// in a fixed order, as better-sqlite3 does: an explicit path (option, then the
// FERRY_SENDFILE_ADDON environment variable), then build/Release, then build/Debug. Every
// argument is checked here, so the C side only converts values.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BodyPart,
  checkParts,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_THREADS,
  SendErrorCodes,
} from './body-sender.js';

/** The functions the addon exports (appliance/native/src/addon.c). */
export interface NativeBinding {
  create(threads: number, idleMs: number, onDone: NativeDone): unknown;
  submit(handle: unknown, fd: number, path: string, parts: Array<Buffer | [number, number]>): number;
  abort(handle: unknown, id: number): void;
  stats(handle: unknown): EngineStats;
  close(handle: unknown, onDone: NativeDone): void;
  /** kTLS detection (native/src/ktls.c); absent in an addon built before it existed. */
  ktlsProbe?(): { errno: number; stage: string };
  /** preadv2(RWF_NOWAIT) into buffer[at, at+length): bytes read, or -1 when not all cached.
   * Absent from engines built before it (small bodies then go through submit). */
  readCached?(fd: number, buffer: Buffer, at: number, length: number, position: number): number;
}
type NativeDone = (id: number, status: number, bytes: number, errno: number) => void;

export interface EngineStats {
  submitted: number;
  /** transfers the workers still hold */
  active: number;
  completed: number;
  failed: number;
  aborted: number;
  timedOut: number;
  /** bytes written to sockets, including transfers still in flight */
  bytes: number;
}

export type TransferStatus = 'ok' | 'error' | 'timeout' | 'aborted' | 'open-failed' | 'short-file';
const STATUSES: readonly TransferStatus[] = [
  'ok',
  'error',
  'timeout',
  'aborted',
  'open-failed',
  'short-file',
];

export interface TransferResult {
  id: number;
  status: TransferStatus;
  bytes: number;
  /** errno for 'error' and 'open-failed', else 0 */
  errno: number;
}

export interface EngineOptions {
  threads?: number;
  idleTimeoutMs?: number;
  onDone: (result: TransferResult) => void;
}

export interface SendfileEngine {
  /**
   * Starts a transfer on a connected socket fd; throws an Error with a FERRY_SEND_ code.
   * Returns the transfer id (> 0), reported later through onDone; or, when the engine sent
   * a small cached transfer at once, a negative number: -(bytes sent + 1), and nothing is
   * reported later (see inlineBytes).
   */
  submit(fd: number, path: string, parts: readonly BodyPart[]): number;
  /** Stops a transfer; it is reported 'aborted' unless it had already finished. */
  abort(id: number): void;
  stats(): EngineStats;
  /** Joins the worker threads; transfers in flight are reported 'aborted' before it returns. */
  close(): void;
  /**
   * Reads from a file only what the page cache holds (never waits on a disk): bytes read, or
   * -1 when a page of the range is not cached. Null when the engine lacks it.
   */
  readonly readCached:
    | ((fd: number, buffer: Buffer, at: number, length: number, position: number) => number)
    | null;
}

/** Bytes of a transfer the engine completed inside submit(), or null for a queued one. */
export function inlineBytes(submitResult: number): number | null {
  return submitResult < 0 ? -submitResult - 1 : null;
}

export type LoadResult = { ok: true; binding: NativeBinding; file: string } | { ok: false; reason: string };

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = resolve(here, '..', '..', 'native', 'build');
const MAX_THREADS = 64;
const MAX_IDLE_MS = 2 ** 31 - 1;

function candidates(explicit?: string): string[] {
  const chosen = explicit ?? process.env['FERRY_SENDFILE_ADDON'];
  if (chosen) return [resolve(chosen)];
  return [join(buildDir, 'Release', 'ferry_sendfile.node'), join(buildDir, 'Debug', 'ferry_sendfile.node')];
}

/** Finds and loads the addon, or says why it could not (the caller picks the copy path). */
export function loadSendfileEngine(explicitPath?: string): LoadResult {
  if (process.platform !== 'linux') {
    return { ok: false, reason: `the sendfile engine is Linux-only (platform is ${process.platform})` };
  }
  const files = candidates(explicitPath);
  const file = files.find((f) => existsSync(f));
  if (!file) {
    return { ok: false, reason: `not built: none of ${files.join(', ')} exists (run npm run build:native)` };
  }
  try {
    const binding = createRequire(import.meta.url)(file) as NativeBinding;
    for (const fn of ['create', 'submit', 'abort', 'stats', 'close'] as const) {
      if (typeof binding[fn] !== 'function') return { ok: false, reason: `${file} does not export ${fn}()` };
    }
    return { ok: true, binding, file };
  } catch (err) {
    return { ok: false, reason: `load error for ${file}: ${(err as Error).message}` };
  }
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** ENOENT and the like, from a positive errno. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `ERRNO_${errno}`;
}

/** FERRY_SEND_ECONNRESET and the like, from a positive errno. */
export function errnoCode(errno: number): string {
  return `FERRY_SEND_${errnoName(errno)}`;
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function checkOptions(opts: EngineOptions): { threads: number; idleMs: number } {
  const threads = opts.threads ?? DEFAULT_THREADS;
  const idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(`threads must be an integer in 1..${MAX_THREADS}, got ${threads}`);
  }
  if (!Number.isInteger(idleMs) || idleMs < 1 || idleMs > MAX_IDLE_MS) {
    throw new RangeError(`idleTimeoutMs must be an integer in 1..${MAX_IDLE_MS}, got ${idleMs}`);
  }
  if (typeof opts.onDone !== 'function') throw new TypeError('onDone must be a function');
  return { threads, idleMs };
}

export function createEngine(binding: NativeBinding, opts: EngineOptions): SendfileEngine {
  const { threads, idleMs } = checkOptions(opts);
  const onDone: NativeDone = (id, status, bytes, errno) => {
    const result: TransferResult = { id, status: STATUSES[status] ?? 'error', bytes, errno };
    try {
      opts.onDone(result);
    } catch (err) {
      // A throwing listener must not stop the rest of the batch from being delivered.
      queueMicrotask(() => {
        throw err;
      });
    }
  };
  const handle = binding.create(threads, idleMs, onDone);
  let closed = false;
  const readCached = binding.readCached;
  return {
    readCached: typeof readCached === 'function' ? readCached.bind(binding) : null,
    submit(fd, path, parts) {
      if (closed) throw codedError(SendErrorCodes.CLOSED, 'the sendfile engine is closed');
      if (!Number.isInteger(fd) || fd < 0)
        throw codedError(SendErrorCodes.SUBMIT_FAILED, `bad socket fd ${fd}`);
      if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
        throw codedError(SendErrorCodes.INVALID_PARTS, 'file path must be a non-empty string without NUL');
      }
      const problem = checkParts(parts);
      if (problem) throw codedError(SendErrorCodes.INVALID_PARTS, problem);
      const native = parts.map((p): Buffer | [number, number] =>
        p.kind === 'bytes' ? p.data : [p.offset, p.length],
      );
      try {
        return binding.submit(handle, fd, path, native);
      } catch (err) {
        const errno = (err as { errno?: number }).errno;
        const code = typeof errno === 'number' ? errnoCode(errno) : SendErrorCodes.SUBMIT_FAILED;
        throw codedError(code, (err as Error).message);
      }
    },
    abort(id) {
      if (closed || !Number.isSafeInteger(id) || id < 1) return;
      binding.abort(handle, id);
    },
    stats() {
      return binding.stats(handle);
    },
    close() {
      if (closed) return;
      closed = true;
      binding.close(handle, onDone);
    },
  };
}
