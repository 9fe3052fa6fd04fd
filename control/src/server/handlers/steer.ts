// POST /v1/steer (steering/steer.ts builds the whole answer).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, SteerRequest, SteerResponse } from '@ferry/protocol';
import { Errors } from '../../errors.js';
import { steer } from '../../steering/steer.js';
import type { ControlContext } from '../context.js';
import { sendError } from '../error-handler.js';

export function steerHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/steer',
      {
        schema: {
          summary: 'Ranked, signed appliance URLs for every stream of a title',
          tags: ['steering'],
          body: SteerRequest,
          response: { 200: SteerResponse, 400: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody },
        },
      },
      async (req, reply) => {
        const client = ctx.clientAddress.resolve(
          req.socket.remoteAddress ?? '',
          req.headers['x-forwarded-for'],
        );
        const waitMs = ctx.steerLimit?.take(client, Date.now()) ?? 0;
        if (waitMs > 0) {
          reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
          return sendError(
            reply,
            Errors.RATE_LIMITED,
            `more than ${ctx.config.steerRateLimit} requests/s from ${client}`,
          );
        }
        const json = steer(ctx.steering, { titleId: req.body.titleId, client });
        reply.type('application/json; charset=utf-8');
        // fastify sends a string with a JSON content type as it is; the route's response
        // schema still documents the shape (OpenAPI) and serialises the error bodies.
        return json as unknown as SteerResponse;
      },
    );
  };
}
