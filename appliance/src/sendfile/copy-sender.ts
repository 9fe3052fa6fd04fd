// The copy path: file bytes pass through JavaScript (fs read streams into res.write). Used
// where the native engine cannot load; same contract, same outcome codes. Under a pacer
// (the chaos throttle) each write is cut into the pieces it grants, each after its wait.
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode } from './binding.js';
import {
  type BodyPart,
  type BodySender,
  type BodySenderOptions,
  checkParts,
  DEFAULT_IDLE_TIMEOUT_MS,
  SendErrorCodes,
  type SendOutcome,
  type SendPacer,
} from './body-sender.js';
import { connectionOf, waitForSocket } from './response-socket.js';
import { SmallBodies, sendSmallNow } from './small-body.js';

const READ_CHUNK = 256 * 1024;

/** Why a copy stopped early; carried through AbortSignal.reason. */
class Stop extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export class CopySender implements BodySender {
  readonly path = 'copy' as const;
  readonly #idleMs: number;
  readonly #pacer: SendPacer | undefined;
  readonly #copies = new Set<Copy>();
  /** small cached bodies read at once (small-body.ts); only with the engine's readCached */
  readonly #small: SmallBodies | null;
  #active = 0;
  #closed = false;

  constructor(opts: BodySenderOptions = {}) {
    this.#idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#pacer = opts.pacer;
    this.#small = opts.readCached ? new SmallBodies(opts.readCached) : null;
  }

  /** A small body already in the page cache, read and written at once (small-body.ts). */
  sendNow(res: ServerResponse, filePath: string, parts: BodyPart[]): SendOutcome | null {
    if (this.#closed) return null;
    return sendSmallNow(this.#small, this.#pacer, res, this.path, filePath, parts);
  }

  get active(): number {
    return this.#active;
  }

  async send(res: ServerResponse, filePath: string, parts: BodyPart[]): Promise<SendOutcome> {
    this.#active++;
    try {
      return await this.#send(res, filePath, parts);
    } catch {
      // The contract is to never reject: an unexpected throw still ends this response only.
      return this.#fail(connectionOf(res), 0, SendErrorCodes.INTERNAL);
    } finally {
      this.#active--;
    }
  }

  /** Stops every copy in flight (each ends FERRY_SEND_ABORTED); later sends fail FERRY_SEND_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#small?.close();
    for (const copy of this.#copies) copy.abort(SendErrorCodes.ABORTED);
  }

  async #send(res: ServerResponse, filePath: string, parts: BodyPart[]): Promise<SendOutcome> {
    if (this.#closed) return this.#fail(connectionOf(res), 0, SendErrorCodes.CLOSED);
    if (checkParts(parts)) return this.#fail(connectionOf(res), 0, SendErrorCodes.INVALID_PARTS);
    // Waiting for the socket keeps a queued pipelined response from buffering its whole
    // body in memory behind the one in front of it.
    const socket = await waitForSocket(res);
    if (!socket) return this.#fail(connectionOf(res), 0, SendErrorCodes.ABORTED);
    // Headers go out now, as on the sendfile path, not with the first body chunk.
    res.flushHeaders();
    const copy = new Copy(res, socket, this.#idleMs, this.#pacer);
    this.#copies.add(copy);
    try {
      for (const part of parts) {
        if (part.kind === 'bytes') await copy.write(part.data);
        else await copy.file(filePath, part.offset, part.length);
      }
    } catch (err) {
      const code = err instanceof Stop ? err.code : codeOf(err);
      return this.#fail(socket, copy.bytes, code);
    } finally {
      copy.dispose();
      this.#copies.delete(copy);
    }
    res.end();
    return { path: this.path, bytes: copy.bytes, ok: true };
  }

  #fail(socket: Socket | null, bytes: number, error: string): SendOutcome {
    socket?.destroy();
    return { path: this.path, bytes, ok: false, error };
  }
}

function codeOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.syscall === 'open') return SendErrorCodes.OPEN_FAILED;
  if (typeof e?.errno === 'number') return errnoCode(Math.abs(e.errno));
  return SendErrorCodes.ABORTED;
}

/** One transfer's state: bytes written, the idle watchdog and the reasons to stop. */
class Copy {
  bytes = 0;
  readonly #stop = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #onClose = () => this.abort(SendErrorCodes.ABORTED);
  readonly #onError = (err: NodeJS.ErrnoException) => this.abort(codeOf(err));

  constructor(
    private readonly res: ServerResponse,
    private readonly socket: Socket,
    idleMs: number,
    private readonly pacer: SendPacer | undefined,
  ) {
    this.#timer = setTimeout(() => this.abort(SendErrorCodes.TIMEOUT), idleMs);
    socket.once('close', this.#onClose);
    socket.once('error', this.#onError);
  }

  async write(data: Buffer): Promise<void> {
    let off = 0;
    while (off < data.length) {
      this.#check();
      const grant = this.pacer?.grant(this.socket, data.length - off) ?? null;
      if (!grant) {
        await this.#writeNow(off === 0 ? data : data.subarray(off));
        return;
      }
      if (grant.waitMs > 0) await this.#wait(grant.waitMs);
      await this.#writeNow(data.subarray(off, off + grant.bytes));
      off += grant.bytes;
    }
  }

  async #writeNow(data: Buffer): Promise<void> {
    this.#check();
    const more = this.res.write(data);
    this.#progress(data.length);
    if (!more) await this.#drain();
  }

  /** A paced piece's turn; a stop (close, timeout) ends the wait with its reason. */
  async #wait(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#stop.signal });
    } catch {
      this.#check();
    }
    // The wait is the pacer's, not the client's: it does not count against the idle limit.
    this.#timer.refresh();
  }

  async file(path: string, offset: number, length: number): Promise<void> {
    if (length === 0) return;
    this.#check();
    const stream = createReadStream(path, {
      start: offset,
      end: offset + length - 1,
      highWaterMark: READ_CHUNK,
      signal: this.#stop.signal,
    });
    let read = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        read += chunk.length;
        await this.write(chunk);
      }
    } catch (err) {
      this.#check();
      throw err;
    }
    if (read < length) throw new Stop(SendErrorCodes.SHORT_FILE);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.socket.off('close', this.#onClose);
    this.socket.off('error', this.#onError);
  }

  #progress(n: number): void {
    this.bytes += n;
    this.#timer.refresh();
  }

  abort(code: string): void {
    if (!this.#stop.signal.aborted) this.#stop.abort(new Stop(code));
  }

  #check(): void {
    if (this.#stop.signal.aborted) throw this.#stop.signal.reason;
  }

  /** Honours write() backpressure: resumes on 'drain', gives up on close or idle timeout. */
  #drain(): Promise<void> {
    const signal = this.#stop.signal;
    return new Promise((resolve, reject) => {
      const done = () => {
        this.res.off('drain', onDrain);
        signal.removeEventListener('abort', onAbort);
      };
      const onDrain = () => {
        done();
        this.#timer.refresh();
        resolve();
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      this.res.once('drain', onDrain);
      signal.addEventListener('abort', onAbort);
    });
  }
}
