// The appliance's HTTP server: node:http with explicit per-phase timeouts, routing to the
// content and operations handlers, and the drain lifecycle (serving → draining → drained).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Errors } from './errors.js';
import { type ContentContext, handleContent } from './http/content-handler.js';
import { handleOps, type OpsContext } from './http/ops-handler.js';
import { sendError } from './http/respond.js';
import { splitTarget } from './http/target.js';
import type { Logger } from './ops/logger.js';

export type ServeState = 'serving' | 'draining' | 'drained';

export interface ServerLimits {
  /** Slowloris guard: the whole header block must arrive within this time. */
  headersTimeoutMs: number;
  /** The whole request (headers; these requests carry no body) must arrive within this time. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Larger header blocks get 431. */
  maxHeaderBytes: number;
}

export const defaultLimits: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 30_000,
  maxHeaderBytes: 16 * 1024,
};

export interface ApplianceServerOptions {
  content: ContentContext;
  ops: Omit<OpsContext, 'drain'>;
  logger: Logger;
  limits?: Partial<ServerLimits>;
  /** Called once drained when POST /v1/drain?exit=true asked the process to exit. */
  onDrainedExit?: () => void;
  /** Replaces the local drain for POST /v1/drain (a worker hands it to its primary). */
  drainHandler?: (exit: boolean) => void;
  /** True while the appliance has lost control for longer than its grace period. */
  isolated?: () => boolean;
}

export class ApplianceServer {
  readonly server: Server;
  private stateValue: ServeState = 'serving';
  private inFlight = 0;
  private drainWaiters: (() => void)[] = [];
  private readonly logger: Logger;
  private readonly ops: OpsContext;

  constructor(private readonly opts: ApplianceServerOptions) {
    const limits = { ...defaultLimits, ...opts.limits };
    this.logger = opts.logger;
    this.ops = {
      ...opts.ops,
      drain: ({ exit }) => (opts.drainHandler ?? ((e) => this.requestDrain(e)))(exit),
    };
    this.server = createServer({
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks header/request timeouts on this interval; the default (30 s) would let
      // a slowloris client hold a socket far longer than headersTimeout.
      connectionsCheckingInterval: 1000,
      noDelay: true,
    });
    this.server.on('request', (req, res) => this.onRequest(req, res));
    this.server.on('clientError', (err, socket) =>
      this.onClientError(err as NodeJS.ErrnoException, socket as Socket),
    );
  }

  get state(): ServeState {
    return this.stateValue;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        if (addr && typeof addr === 'object') resolve({ host: addr.address, port: addr.port });
        else reject(new Error('server has no address'));
      });
    });
  }

  /** Stop taking new requests (503), let in-flight ones finish; resolves once drained. */
  drain(): Promise<void> {
    if (this.stateValue === 'serving') {
      this.stateValue = 'draining';
      this.logger.info({ inFlight: this.inFlight }, 'draining');
      // Idle keep-alive connections would otherwise hold the process open.
      this.server.closeIdleConnections();
    }
    this.checkDrained();
    if (this.stateValue === 'drained') return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Close the listener and every connection (after drain, or to give up on it). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private checkDrained(): void {
    if (this.stateValue !== 'draining' || this.inFlight > 0) return;
    this.stateValue = 'drained';
    this.logger.info('drained');
    for (const w of this.drainWaiters.splice(0)) w();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      this.checkDrained();
    });
    if (this.stateValue !== 'serving') res.shouldKeepAlive = false;
    const url = splitTarget(req.url);
    if (!url) {
      sendError(res, Errors.BAD_PATH, { head: req.method === 'HEAD' });
      return;
    }
    handleOps(this.ops, req, res, url)
      .then((handled) => {
        if (handled) return;
        if (!url.pathname.startsWith('/v1/c/')) {
          sendError(res, Errors.NOT_FOUND, { head: req.method === 'HEAD' });
          return;
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          sendError(res, Errors.METHOD_NOT_ALLOWED, { headers: { Allow: 'GET, HEAD' } });
          return;
        }
        if (this.stateValue !== 'serving') {
          sendError(res, Errors.DRAINING, { head: req.method === 'HEAD', headers: { 'Retry-After': 5 } });
          return;
        }
        if (this.opts.isolated?.()) {
          // Open Connect appliances stop taking new sessions when control is out of reach:
          // steering has moved on, and serving stale URLs would hide the outage.
          sendError(res, Errors.ISOLATED, { head: req.method === 'HEAD', headers: { 'Retry-After': 5 } });
          return;
        }
        handleContent(this.opts.content, req, res, url);
      })
      .catch((err: unknown) => {
        this.logger.error({ err, url: url.pathname }, 'request failed');
        if (!res.headersSent) sendError(res, Errors.INTERNAL);
        else res.destroy();
      });
  }

  /** Drain, then call onDrainedExit when asked to exit (POST /v1/drain?exit=true). */
  requestDrain(exit: boolean): void {
    void this.drain().then(() => {
      if (exit) this.opts.onDrainedExit?.();
    });
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const spec =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? Errors.HEADERS_TOO_LARGE
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? Errors.REQUEST_TIMEOUT
          : Errors.BAD_REQUEST;
    this.logger.debug({ code: err.code, remote: socket.remoteAddress }, 'client error');
    const body = JSON.stringify({ error: spec.code, message: spec.message });
    socket.end(
      `HTTP/1.1 ${spec.status} ${STATUS_TEXT[spec.status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};
