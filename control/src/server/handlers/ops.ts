// GET /healthz and GET /metrics.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ControlHealthz } from '@ferry/protocol';
import type { ControlContext } from '../context.js';

export function opsHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness of the control service',
          tags: ['ops'],
          response: { 200: ControlHealthz },
        },
      },
      // Still 200 while the store is away: control serves from memory; `store` says so.
      async () => {
        const status = ctx.storeStatus?.();
        return {
          ok: true,
          backend: ctx.store.backend,
          appliances: ctx.model.listAppliances().length,
          ...(status
            ? {
                store: {
                  up: status.up,
                  phase: status.phase,
                  buffered: status.buffered,
                  reseeds: status.reseeds,
                },
              }
            : {}),
        };
      },
    );

    app.get(
      '/metrics',
      { schema: { summary: 'Prometheus metrics', tags: ['ops'], hide: false } },
      async (_req, reply) => {
        reply.header('content-type', ctx.metrics.registry.contentType);
        return ctx.metrics.registry.metrics();
      },
    );
  };
}
