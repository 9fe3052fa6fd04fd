// The admin listener (--admin-listen, loopback by default): drain, undrain, status,
// routes, metrics and health, for operators and the machines that watch the appliance.
// Same limits and message checks as the viewers' port; its requests are not counted as
// in flight for drain (an operator reading /v1/status must not hold a drain open).
import type { Server } from 'node:http';
import { Errors } from '../errors.js';
import type { Logger } from '../ops/logger.js';
import { type AdminContext, handleAdmin } from './admin-handler.js';
import { ConnectionTracker } from './connections.js';
import { closeListener, createListener, defaultLimits, listenOn, type ServerLimits } from './listener.js';
import { sendError } from './respond.js';
import { splitTarget } from './target.js';

export class AdminServer {
  readonly server: Server;

  constructor(ctx: AdminContext, opts: { logger: Logger; limits?: Partial<ServerLimits> }) {
    this.server = createListener({
      limits: { ...defaultLimits, ...opts.limits },
      logger: opts.logger,
      tracker: new ConnectionTracker(),
      onRequest: (req, res) => {
        const url = splitTarget(req.url);
        if (!url) return sendError(res, Errors.BAD_PATH, { head: req.method === 'HEAD' });
        handleAdmin(ctx, req, res, url).catch((err: unknown) => {
          opts.logger.error({ err, url: url.pathname }, 'admin request failed');
          if (!res.headersSent) sendError(res, Errors.INTERNAL);
          else res.destroy();
        });
      },
    });
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return listenOn(this.server, host, port);
  }

  close(): Promise<void> {
    return closeListener(this.server);
  }
}
