// POST /v1/appliances/:id/heartbeat (ingest/heartbeat.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, Heartbeat, HeartbeatReply } from '@ferry/protocol';
import type { ControlContext } from '../context.js';
import { ApplianceParams } from '../schemas.js';

// A full BGP table comes in snapshot parts of at most 20,000 routes (a few MB of JSON with
// AS paths); 16 MiB leaves room for long paths and is still parsed in tens of milliseconds.
export const HEARTBEAT_BODY_LIMIT = 16 * 1024 * 1024;

export function heartbeatHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/appliances/:id/heartbeat',
      {
        bodyLimit: HEARTBEAT_BODY_LIMIT,
        schema: {
          summary: 'Appliance heartbeat: state, load, routes and inventory',
          tags: ['appliances'],
          params: ApplianceParams,
          body: Heartbeat,
          response: { 200: HeartbeatReply, 400: ErrorBody, 413: ErrorBody },
        },
      },
      async (req) => ctx.heartbeats.ingest(req.params.id, req.body),
    );
  };
}
