// POST /v1/steer (steering/steer.ts builds the whole answer).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, SteerRequest, SteerResponse } from '@ferry/protocol';
import { steer } from '../../steering/steer.js';
import type { ControlContext } from '../context.js';

export function steerHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/steer',
      {
        schema: {
          summary: 'Ranked, signed appliance URLs for every stream of a title',
          tags: ['steering'],
          body: SteerRequest,
          response: { 200: SteerResponse, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
        },
      },
      async (req, reply) => {
        const client = ctx.clientAddress.resolve(
          req.socket.remoteAddress ?? '',
          req.headers['x-forwarded-for'],
        );
        const json = steer(ctx.steering, { titleId: req.body.titleId, client });
        reply.type('application/json; charset=utf-8');
        // fastify sends a string with a JSON content type as it is; the route's response
        // schema still documents the shape (OpenAPI) and serialises the error bodies.
        return json as unknown as SteerResponse;
      },
    );
  };
}
