// The sendfile path: node writes the status line and headers, then the engine's worker
// threads write the body straight from the file to the socket, and res.end() runs only
// after the engine reports, so node's next pipelined response follows the whole body.
// Under a pacer (the chaos throttle) the body goes as one engine transfer per granted
// piece, each submitted after its wait, so the rate cap holds on the wire.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  createEngine,
  type EngineStats,
  errnoCode,
  inlineBytes,
  type NativeBinding,
  type SendfileEngine,
  type TransferResult,
} from './binding.js';
import {
  type BodyPart,
  type BodySender,
  type BodySenderOptions,
  checkParts,
  DEFAULT_IDLE_TIMEOUT_MS,
  partsLength,
  SendErrorCodes,
  type SendOutcome,
  type SendPacer,
} from './body-sender.js';
import { PartCursor } from './part-cursor.js';
import {
  connectionOf,
  pauseUnlessClosed,
  takeRenderedHeader,
  waitFlushed,
  waitForSocket,
} from './response-socket.js';
import { SmallBodies, sendSmallNow } from './small-body.js';

interface SocketWithHandle extends Socket {
  _handle?: { fd?: number } | null;
}

function outcomeCode(result: TransferResult): string {
  switch (result.status) {
    case 'timeout':
      return SendErrorCodes.TIMEOUT;
    case 'aborted':
      return SendErrorCodes.ABORTED;
    case 'open-failed':
      return SendErrorCodes.OPEN_FAILED;
    case 'short-file':
      return SendErrorCodes.SHORT_FILE;
    default:
      return errnoCode(result.errno);
  }
}

export class NativeSender implements BodySender {
  readonly path = 'sendfile' as const;
  readonly #engine: SendfileEngine;
  readonly #idleMs: number;
  readonly #pacer: SendPacer | undefined;
  readonly #waiting = new Map<number, (result: TransferResult) => void>();
  /** small bodies read from the page cache and written by node; null without readCached */
  readonly #small: SmallBodies | null;
  #active = 0;

  constructor(binding: NativeBinding, opts: BodySenderOptions = {}) {
    this.#idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#pacer = opts.pacer;
    this.#engine = createEngine(binding, {
      threads: opts.threads,
      idleTimeoutMs: this.#idleMs,
      onDone: (result) => {
        const resolve = this.#waiting.get(result.id);
        this.#waiting.delete(result.id);
        resolve?.(result);
      },
    });
    this.#small = this.#engine.readCached ? new SmallBodies(this.#engine.readCached) : null;
  }

  get active(): number {
    return this.#active;
  }

  /** Engine counters for metrics: the workers' view, including bytes of transfers in flight. */
  stats(): EngineStats {
    return this.#engine.stats();
  }

  async send(res: ServerResponse, filePath: string, parts: BodyPart[]): Promise<SendOutcome> {
    const small = this.sendNow(res, filePath, parts);
    if (small) return small;
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

  async close(): Promise<void> {
    this.#small?.close();
    this.#engine.close();
  }

  /** A small body whose pages are cached, read and written by node (small-body.ts). */
  sendNow(res: ServerResponse, filePath: string, parts: BodyPart[]): SendOutcome | null {
    return sendSmallNow(this.#small, this.#pacer, res, this.path, filePath, parts);
  }

  async #send(res: ServerResponse, filePath: string, parts: BodyPart[]): Promise<SendOutcome> {
    const problem = checkParts(parts);
    if (problem) return this.#fail(connectionOf(res), 0, SendErrorCodes.INVALID_PARTS);
    const socket = (await waitForSocket(res)) as SocketWithHandle | null;
    if (!socket) return this.#fail(connectionOf(res), 0, SendErrorCodes.ABORTED);
    if (partsLength(parts) === 0) {
      // Nothing for the engine to do; the client may already hold the whole response.
      res.end();
      return { path: this.path, bytes: 0, ok: true };
    }
    const header = takeRenderedHeader(res);
    if (!header) res.flushHeaders();
    // Whatever node still holds for this connection (a previous response's tail, or the
    // headers just flushed) must reach the kernel before the engine writes.
    const flushed = await waitFlushed(socket, this.#idleMs);
    if (flushed !== 'flushed') {
      const code = flushed === 'timeout' ? SendErrorCodes.TIMEOUT : SendErrorCodes.ABORTED;
      return this.#fail(socket, 0, code);
    }
    const body: BodyPart[] = header ? [{ kind: 'bytes', data: header }, ...parts] : parts;
    const fd = socket._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return this.#fail(socket, 0, SendErrorCodes.SUBMIT_FAILED);
    const result = await this.#paced(socket, fd, filePath, body);
    // Bytes reported are body bytes: the header went through the engine too.
    const bodyBytes = Math.max(0, result.bytes - (header?.length ?? 0));
    if (result.status !== 'ok') return this.#fail(socket, bodyBytes, result.code);
    res.end();
    return { path: this.path, bytes: bodyBytes, ok: true };
  }

  /**
   * The whole body in one transfer, or under the pacer piece by piece: each piece waits its
   * turn, then goes as its own transfer (small ones inline). A pacer that lets go mid-body
   * (the throttle reverted) sends the rest at once.
   */
  async #paced(
    socket: Socket,
    fd: number,
    filePath: string,
    body: BodyPart[],
  ): Promise<{ status: 'ok' | 'failed'; bytes: number; code: string }> {
    const cursor = new PartCursor(body);
    let bytes = 0;
    while (cursor.remaining > 0) {
      const grant = this.#pacer?.grant(socket, cursor.remaining) ?? null;
      if (grant && grant.waitMs > 0 && !(await pauseUnlessClosed(socket, grant.waitMs))) {
        return { status: 'failed', bytes, code: SendErrorCodes.ABORTED };
      }
      const piece = grant ? cursor.take(grant.bytes) : cursor.rest();
      const r = await this.#transfer(socket, fd, filePath, piece);
      bytes += r.bytes;
      if (r.status !== 'ok') return { status: 'failed', bytes, code: r.code };
    }
    return { status: 'ok', bytes, code: '' };
  }

  /** One engine transfer, inline or queued to a worker; never rejects. */
  async #transfer(
    socket: Socket,
    fd: number,
    filePath: string,
    body: BodyPart[],
  ): Promise<{ status: 'ok' | 'failed'; bytes: number; code: string }> {
    let id: number;
    try {
      id = this.#engine.submit(fd, filePath, body);
    } catch (err) {
      return {
        status: 'failed',
        bytes: 0,
        code: (err as { code?: string }).code ?? SendErrorCodes.SUBMIT_FAILED,
      };
    }
    const sentInline = inlineBytes(id);
    if (sentInline !== null) return { status: 'ok', bytes: sentInline, code: '' };
    const result = await new Promise<TransferResult>((resolve) => {
      // node closes its fd on 'close'; the engine writes through its own dup, so it must
      // be told to stop rather than find out from a failed write much later (or never,
      // for a client that stopped reading).
      const onClose = () => this.#engine.abort(id);
      socket.once('close', onClose);
      this.#waiting.set(id, (r) => {
        socket.off('close', onClose);
        resolve(r);
      });
    });
    return result.status === 'ok'
      ? { status: 'ok', bytes: result.bytes, code: '' }
      : { status: 'failed', bytes: result.bytes, code: outcomeCode(result) };
  }

  #fail(socket: Socket | null, bytes: number, error: string): SendOutcome {
    // The client has headers promising a Content-Length we can no longer meet: closing the
    // connection is the only honest signal left.
    socket?.destroy();
    return { path: this.path, bytes, ok: false, error };
  }
}
