// The viewers' port: content (GET|HEAD /v1/c/…) and /healthz, nothing else — the admin
// endpoints live on their own listener (http/admin-server.ts). Also the drain lifecycle
// (serving → draining → drained, and back with undrain) that both listeners act on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TlsOptions } from 'node:tls';
import { Errors } from './errors.js';
import { type Health, sendHealth, type UndrainResult } from './http/admin-handler.js';
import { ConnectionTracker } from './http/connections.js';
import { type ContentContext, handleContent } from './http/content-handler.js';
import { CORS_HEADERS, CORS_METHOD_NOT_ALLOWED, sendPreflight, withCors } from './http/cors.js';
import {
  closeListener,
  createListener,
  defaultLimits,
  type Listener,
  listenOn,
  type ServerLimits,
} from './http/listener.js';
import { sendError } from './http/respond.js';
import { type RequestTarget, splitTarget } from './http/target.js';
import type { Logger } from './ops/logger.js';

/** A draining appliance's refusal of a content request: retry elsewhere, readable cross-origin. */
const DRAINING_HEADERS = withCors({ 'Retry-After': 5 });

export { defaultLimits, type ServerLimits } from './http/listener.js';

export type ServeState = 'serving' | 'draining' | 'drained';

export interface ApplianceServerOptions {
  content: ContentContext;
  logger: Logger;
  limits?: Partial<ServerLimits>;
  health(): Health;
  /** Called once drained when a drain asked the process to exit. */
  onDrainedExit?: () => void;
  /** HTTPS on this port (tls/viewer-tls.ts builds these). */
  tls?: TlsOptions;
}

export class ApplianceServer {
  readonly server: Listener;
  private stateValue: ServeState = 'serving';
  private exitingValue = false;
  private drainWaiters: (() => void)[] = [];
  private readonly logger: Logger;
  private readonly tracker = new ConnectionTracker(() => this.checkDrained());

  constructor(private readonly opts: ApplianceServerOptions) {
    this.logger = opts.logger;
    this.server = createListener({
      limits: { ...defaultLimits, ...opts.limits },
      logger: opts.logger,
      tracker: this.tracker,
      onRequest: (req, res) => this.onRequest(req, res),
      ...(opts.tls ? { tls: opts.tls } : {}),
    });
  }

  get state(): ServeState {
    return this.stateValue;
  }

  /** True once a drain is meant to end the process (SIGTERM, drain?exit=true). */
  get exiting(): boolean {
    return this.exitingValue;
  }

  /** Requests on this port begun and not finished, queued pipelined ones included. */
  get requestsInFlight(): number {
    return this.tracker.inFlight;
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return listenOn(this.server, host, port);
  }

  /** Stop taking new requests (503), let in-flight ones finish; resolves once drained. */
  drain(): Promise<void> {
    if (this.stateValue === 'serving') {
      this.stateValue = 'draining';
      this.logger.info({ inFlight: this.requestsInFlight }, 'draining');
      // Idle keep-alive connections would otherwise hold the process open.
      this.server.closeIdleConnections();
    }
    this.checkDrained();
    if (this.stateValue === 'drained') return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Drain; with exit, call onDrainedExit once drained. */
  requestDrain(exit: boolean): void {
    if (!exit) {
      void this.drain();
      return;
    }
    this.exitingValue = true;
    void this.drain().then(() => this.opts.onDrainedExit?.());
  }

  /** The process is on its way out (stop()); an undrain must not bring it back. */
  markExiting(): void {
    this.exitingValue = true;
  }

  /** Take content requests again, unless the drain is the first step of exiting. */
  undrain(): UndrainResult {
    if (this.exitingValue) return 'exiting';
    if (this.stateValue !== 'serving') {
      this.logger.info('undrained: serving again');
      this.stateValue = 'serving';
      // Waiters of a plain drain only wanted the state; nobody waits to exit (see exiting).
      this.drainWaiters = [];
    }
    return 'serving';
  }

  /** Close the listener and every connection (after drain, or to give up on it). */
  close(): Promise<void> {
    return closeListener(this.server);
  }

  private checkDrained(): void {
    if (this.stateValue !== 'draining' || this.requestsInFlight > 0) return;
    this.stateValue = 'drained';
    this.logger.info('drained');
    for (const w of this.drainWaiters.splice(0)) w();
  }

  /** A content request that threw: logged, and answered 500 unless its headers are out. */
  private failed(err: unknown, url: RequestTarget, res: ServerResponse): void {
    this.logger.error({ err, url: url.pathname }, 'request failed');
    if (!res.headersSent) sendError(res, Errors.INTERNAL, { headers: CORS_HEADERS });
    else res.destroy();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const head = req.method === 'HEAD';
    if (this.stateValue !== 'serving') res.shouldKeepAlive = false;
    const url = splitTarget(req.url);
    if (!url) {
      sendError(res, Errors.BAD_PATH, { head });
    } else if (url.pathname === '/healthz') {
      if (req.method === 'GET' || head) sendHealth(res, this.opts.health(), head);
      else sendError(res, Errors.METHOD_NOT_ALLOWED, { headers: { Allow: 'GET, HEAD' } });
    } else if (!url.pathname.startsWith('/v1/c/')) {
      // The admin paths answer 404 here like any unknown path: nothing tells a viewer they exist.
      sendError(res, Errors.NOT_FOUND, { head });
    } else if (req.method === 'OPTIONS') {
      sendPreflight(res);
    } else if (req.method !== 'GET' && !head) {
      sendError(res, Errors.METHOD_NOT_ALLOWED, { headers: CORS_METHOD_NOT_ALLOWED });
    } else if (this.stateValue !== 'serving') {
      sendError(res, Errors.DRAINING, { head, headers: DRAINING_HEADERS });
      this.opts.content.tally.record(Errors.DRAINING.status, true);
    } else {
      try {
        handleContent(this.opts.content, req, res, url)?.catch((err: unknown) => this.failed(err, url, res));
      } catch (err) {
        this.failed(err, url, res);
      }
    }
  }
}
