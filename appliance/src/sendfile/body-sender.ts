// The contract between the request handler (appliance/src/http/) and whatever moves the
// response body: the native sendfile engine, or the copy path where it cannot load.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type BodyPart = { kind: 'bytes'; data: Buffer } | { kind: 'file'; offset: number; length: number };

export type SendPath = 'sendfile' | 'copy';

export interface SendOutcome {
  path: SendPath;
  /** body bytes handed to the kernel (sendfile) or accepted by the socket stream (copy) */
  bytes: number;
  ok: boolean;
  /** a stable code from SendErrorCodes, or FERRY_SEND_<ERRNO NAME> for a socket error */
  error?: string;
}

export interface BodySender {
  readonly path: SendPath;
  /** transfers in flight */
  readonly active: number;
  /**
   * Called right after res.writeHead(). Writes the headers and the parts (in order, file
   * parts read from filePath), then ends the response. Never rejects: on failure it
   * destroys the socket and resolves ok:false.
   */
  send(res: ServerResponse, filePath: string, parts: BodyPart[]): Promise<SendOutcome>;
  /**
   * Like send(), for a body that can go at once (a small one already in the page cache):
   * its outcome, ok, with the response ended; or null, with nothing written, and send() is
   * the way. Optional: a sender without it always uses send().
   */
  sendNow?(res: ServerResponse, filePath: string, parts: BodyPart[]): SendOutcome | null;
  close(): Promise<void>;
}

/**
 * Paces the bytes a sender writes (the chaos throttle, chaos/throttle.ts): before each piece
 * the sender asks how much may go and after how long a wait, so a capped transfer is slow on
 * the wire itself (the socket sees small writes spaced in time), not a fast send after a sleep.
 */
export interface SendPacer {
  /** False while nothing is paced (a sender may then take paths that never ask); absent: may pace. */
  readonly active?: boolean;
  /**
   * Up to `wanted` bytes for this connection: how many may go next and how long to wait
   * before writing them; null when nothing is paced now (send the rest at once).
   */
  grant(socket: Socket, wanted: number): { bytes: number; waitMs: number } | null;
}

export interface BodySenderOptions {
  /** no progress for this long ends a transfer with FERRY_SEND_TIMEOUT (default 60 s) */
  idleTimeoutMs?: number;
  /** paces every transfer while it says so (both paths, inline small bodies too) */
  pacer?: SendPacer;
  /** native engine worker threads (default 2) */
  threads?: number;
  /** explicit path of ferry_sendfile.node; overrides FERRY_SENDFILE_ADDON */
  addonPath?: string;
  /**
   * The copy path's small bodies: the engine's page-cache-only read (binding.ts readCached),
   * when the addon loads; without it every copy goes through a read stream.
   */
  readCached?: (fd: number, buffer: Buffer, at: number, length: number, position: number) => number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_THREADS = 2;

// Outcome codes that are not a socket errno. Socket errors are FERRY_SEND_ECONNRESET,
// FERRY_SEND_EPIPE and so on, named from the errno the kernel returned.
export const SendErrorCodes = {
  TIMEOUT: 'FERRY_SEND_TIMEOUT',
  ABORTED: 'FERRY_SEND_ABORTED',
  OPEN_FAILED: 'FERRY_SEND_OPEN_FAILED',
  SHORT_FILE: 'FERRY_SEND_SHORT_FILE',
  SUBMIT_FAILED: 'FERRY_SEND_SUBMIT_FAILED',
  CLOSED: 'FERRY_SEND_CLOSED',
  INVALID_PARTS: 'FERRY_SEND_INVALID_PARTS',
  INTERNAL: 'FERRY_SEND_INTERNAL',
} as const;

/** Total body length of the parts; the handler's Content-Length must equal it. */
export function partsLength(parts: readonly BodyPart[]): number {
  let total = 0;
  for (const part of parts) total += part.kind === 'bytes' ? part.data.length : part.length;
  return total;
}

/** Why the parts cannot be sent, or undefined when they are well-formed. */
export function checkParts(parts: unknown): string | undefined {
  if (!Array.isArray(parts)) return 'parts must be an array';
  for (let i = 0; i < parts.length; i++) {
    const part: unknown = parts[i];
    if (part === null || typeof part !== 'object') return `part ${i} is not an object`;
    const p = part as Record<string, unknown>;
    if (p['kind'] === 'bytes') {
      if (!Buffer.isBuffer(p['data'])) return `part ${i}: data must be a Buffer`;
    } else if (p['kind'] === 'file') {
      if (!Number.isSafeInteger(p['offset']) || (p['offset'] as number) < 0)
        return `part ${i}: offset must be a non-negative safe integer`;
      if (!Number.isSafeInteger(p['length']) || (p['length'] as number) < 0)
        return `part ${i}: length must be a non-negative safe integer`;
    } else {
      return `part ${i}: kind must be 'bytes' or 'file'`;
    }
  }
  return undefined;
}
