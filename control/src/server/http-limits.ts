// Per-phase HTTP timeouts for control, as on the appliance (appliance/src/http/listener.ts):
// without them Node keeps a slowloris connection (headers one byte a second) for its 60 s
// headersTimeout and checks only every 30 s; a few hundred of them exhaust control's sockets.
import type { HttpTimeouts } from '../config.js';

/** fastify's own options: whole request (headers and body), idle kept-alive connections. */
export function serverTimeouts(t: HttpTimeouts) {
  return {
    requestTimeout: t.requestTimeoutMs,
    keepAliveTimeout: t.keepAliveTimeoutMs,
    // Node checks the header and request timeouts on this interval (default 30 s), which
    // would let a slow client outlive headersTimeout by that much.
    http: {
      headersTimeout: t.headersTimeoutMs,
      requestTimeout: t.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, t.headersTimeoutMs),
    },
  };
}
