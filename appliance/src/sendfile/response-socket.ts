// Getting hold of a response's socket at the right moment. With keep-alive pipelining,
// node queues a response until the previous one on the connection has finished and only
// then assigns the socket (emitting 'socket' on the response); writing to the connection
// before that would put this body in the middle of the previous response.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The client connection, known even while the response still waits in node's queue. */
export function connectionOf(res: ServerResponse): Socket | null {
  return (res.socket as Socket | null) ?? (res.req?.socket as Socket | undefined) ?? null;
}

/** Resolves with the socket once it is this response's to write, or null if the connection closes first. */
export function waitForSocket(res: ServerResponse): Promise<Socket | null> {
  if (res.socket) return Promise.resolve(res.socket.destroyed ? null : (res.socket as Socket));
  const conn = connectionOf(res);
  if (!conn || conn.destroyed) return Promise.resolve(null);
  return new Promise((resolve) => {
    const onSocket = (socket: Socket) => {
      conn.off('close', onClose);
      resolve(socket.destroyed ? null : socket);
    };
    const onClose = () => {
      res.off('socket', onSocket);
      resolve(null);
    };
    res.once('socket', onSocket);
    conn.once('close', onClose);
  });
}

export type FlushResult = 'flushed' | 'closed' | 'timeout';

/**
 * Waits until node has handed everything it wrote on this socket (the response headers,
 * after flushHeaders) to the kernel. writableLength counts bytes still buffered in the
 * stream or in a libuv write in progress; 'drain' only fires after a write that returned
 * false, so short waits (a cork released next tick, a partial write) are polled.
 */
export async function waitFlushed(socket: Socket, timeoutMs: number): Promise<FlushResult> {
  const deadline = Date.now() + timeoutMs;
  let delay = 0;
  while (socket.writableLength > 0) {
    if (socket.destroyed) return 'closed';
    const left = deadline - Date.now();
    if (left <= 0) return 'timeout';
    if (socket.writableNeedDrain) {
      const result = await onceDrainOrClose(socket, left);
      if (result !== 'flushed') return result;
    } else {
      // Back off from an immediate retry to a few ms so a stuck partial write costs little.
      await sleep(Math.min(delay, left));
      delay = Math.min(delay + 1, 10);
    }
  }
  return socket.destroyed ? 'closed' : 'flushed';
}

function onceDrainOrClose(socket: Socket, timeoutMs: number): Promise<FlushResult> {
  return new Promise((resolve) => {
    const finish = (result: FlushResult) => {
      clearTimeout(timer);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(result);
    };
    const onDrain = () => finish('flushed');
    const onClose = () => finish('closed');
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}

interface OutgoingInternals {
  _header?: unknown;
  _headerSent?: unknown;
}

/**
 * Takes the status line and headers that res.writeHead() rendered, and marks them sent so
 * node will not write them itself; the engine then sends them in front of the body (one
 * syscall fewer on the JS thread, and header and body leave in one segment train, as
 * nginx's tcp_nopush does). These are node's long-standing internal fields (used by
 * on-headers, compression and others); when they are not as expected this returns null and
 * the caller lets node write the headers.
 */
export function takeRenderedHeader(res: ServerResponse): Buffer | null {
  const out = res as unknown as OutgoingInternals;
  if (typeof out._header !== 'string' || out._headerSent !== false) return null;
  const header = Buffer.from(out._header, 'latin1');
  out._headerSent = true;
  return header;
}

/** Waits `ms` (a paced transfer's turn); resolves false early if the connection closes. */
export function pauseUnlessClosed(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (open: boolean) => {
      clearTimeout(timer);
      socket.off('close', onClose);
      resolve(open);
    };
    const onClose = () => finish(false);
    const timer = setTimeout(() => finish(true), ms);
    socket.once('close', onClose);
  });
}
