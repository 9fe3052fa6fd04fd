// One node:http listener with the appliance's limits: per-phase timeouts, the header size
// counted as on the wire, the message checks of request-shape.ts, errors from the parser
// answered in request order (connections.ts). Both the viewers' port and the admin port
// are built from this; with `tls` the listener is node:https (the viewers' port with
// --tls-cert), with the same limits on the HTTP inside the TLS.
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { type ErrorSpec, Errors } from '../errors.js';
import type { Logger } from '../ops/logger.js';
import type { ConnectionTracker } from './connections.js';
import { checkRequestShape } from './request-shape.js';
import { sendError } from './respond.js';

export interface ServerLimits {
  /** Slowloris guard: the whole header block must arrive within this time. */
  headersTimeoutMs: number;
  /** The whole request (headers; these requests carry no body) must arrive within this time. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Larger header blocks (request line and header lines, as on the wire) get 431. */
  maxHeaderBytes: number;
}

export const defaultLimits: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 30_000,
  maxHeaderBytes: 16 * 1024,
};

export interface ListenerOptions {
  limits: ServerLimits;
  logger: Logger;
  tracker: ConnectionTracker;
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Serve HTTPS with these settings (tls/server-options.ts). */
  tls?: TlsOptions;
}

/** Either kind of listener: node:https shares node:http's request handling and limits. */
export type Listener = Server | HttpsServer;

export function createListener(opts: ListenerOptions & { tls: TlsOptions }): HttpsServer;
export function createListener(opts: ListenerOptions): Listener;
export function createListener(opts: ListenerOptions): Listener {
  const { limits, tracker } = opts;
  const httpOptions: ServerOptions = {
    // Node's own limit counts names and values only; it stays as the parser's hard cap
    // (memory), and checkRequestShape applies the limit to the bytes on the wire.
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks header/request timeouts on this interval; the default (30 s) would let
    // a slowloris client hold a socket far longer than headersTimeout.
    connectionsCheckingInterval: 1000,
    // Host is checked in checkRequestShape so the answer is a catalogue error, and a
    // repeated Host (which node lets through) is refused too.
    requireHostHeader: false,
    noDelay: true,
  };
  const server: Listener = opts.tls
    ? createHttpsServer({ ...httpOptions, ...opts.tls })
    : createServer(httpOptions);
  // The default (2000) silently drops the headers past the 2000th, which would hide them
  // from the size and Host checks; maxHeaderSize still bounds their number.
  server.maxHeadersCount = 0;
  // Over TLS, 'connection' is the TCP socket under the TLS one; requests, clientError and
  // the replies the tracker writes are on the TLS socket, which exists once the handshake is done.
  if (opts.tls) server.on('secureConnection', (socket: Socket) => tracker.attach(socket));
  else server.on('connection', (socket: Socket) => tracker.attach(socket));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    tracker.begin(res);
    const refused = checkRequestShape(req, limits.maxHeaderBytes);
    if (refused) {
      res.shouldKeepAlive = false;
      sendError(res, refused, { head: req.method === 'HEAD', headers: { Connection: 'close' } });
      return;
    }
    opts.onRequest(req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    opts.logger.debug({ code: err.code, remote: socket.remoteAddress }, 'client error');
    tracker.replyThenClose(socket, rawErrorReply(clientErrorSpec(err)));
  });
  return server;
}

function clientErrorSpec(err: NodeJS.ErrnoException): ErrorSpec {
  if (err.code === 'HPE_HEADER_OVERFLOW') return Errors.HEADERS_TOO_LARGE;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return Errors.REQUEST_TIMEOUT;
  // RFC 9112 §2.3: a version the parser cannot read at all (HTTP/3.1) is malformed, 400.
  return Errors.BAD_REQUEST;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The parser has given up on the connection: the reply is written by hand, then closed. */
function rawErrorReply(spec: ErrorSpec): string {
  const body = JSON.stringify({ error: spec.code, message: spec.message });
  return (
    `HTTP/1.1 ${spec.status} ${STATUS_TEXT[spec.status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`
  );
}

export function listenOn(
  server: Listener,
  host: string,
  port: number,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      if (addr && typeof addr === 'object') resolve({ host: addr.address, port: addr.port });
      else reject(new Error('server has no address'));
    });
  });
}

/** Close the listener and every connection. */
export function closeListener(server: Listener): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function urlOf(address: { host: string; port: number }, scheme: 'http' | 'https' = 'http'): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${scheme}://${host}:${address.port}`;
}
