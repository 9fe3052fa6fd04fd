// GET /v1/routes/lookup?ip= (queries/route-lookup.ts) and GET /v1/sites/:site/route-consistency
// (queries/route-consistency.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, RouteLookup } from '@ferry/protocol';
import { routeConsistency } from '../../queries/route-consistency.js';
import { lookupRoute } from '../../queries/route-lookup.js';
import type { ControlContext } from '../context.js';
import { OPERATOR_SECURITY, requireRole } from '../guards.js';
import { LookupQuery, RouteConsistencyView, SiteParams } from '../schemas.js';

export function routeLookupHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { model } = ctx;
  const viewer = requireRole(ctx, 'viewer');
  return async (app) => {
    app.get(
      '/v1/routes/lookup',
      {
        onRequest: viewer,
        schema: {
          security: OPERATOR_SECURITY,
          summary: 'Which prefix and appliances cover an address',
          tags: ['routes'],
          querystring: LookupQuery,
          response: { 200: RouteLookup, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (req) => lookupRoute(model, req.query.ip),
    );

    app.get(
      '/v1/sites/:site/route-consistency',
      {
        onRequest: viewer,
        schema: {
          security: OPERATOR_SECURITY,
          summary: 'Prefixes that some appliances of a site heard and others did not',
          tags: ['routes'],
          params: SiteParams,
          response: { 200: RouteConsistencyView, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (req) => routeConsistency(model, req.params.site),
    );
  };
}
