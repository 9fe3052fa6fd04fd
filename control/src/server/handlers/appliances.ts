// GET /v1/appliances and /v1/appliances/:id (queries/appliances.ts), for viewers and up.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceList, ApplianceView, ErrorBody } from '@ferry/protocol';
import { getApplianceView, listApplianceViews, listIdentityViews } from '../../queries/appliances.js';
import type { ControlContext } from '../context.js';
import { OPERATOR_SECURITY, requireRole } from '../guards.js';
import { ApplianceParams } from '../schemas.js';

export function applianceHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { model } = ctx;
  const viewer = requireRole(ctx, 'viewer');
  return async (app) => {
    app.get(
      '/v1/appliances',
      {
        onRequest: viewer,
        schema: {
          summary: 'Every known appliance with health, route and file counts, and every enrolled identity',
          tags: ['appliances'],
          security: OPERATOR_SECURITY,
          response: { 200: ApplianceList, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async () => ({ appliances: listApplianceViews(model), identities: listIdentityViews(model) }),
    );

    app.get(
      '/v1/appliances/:id',
      {
        onRequest: viewer,
        schema: {
          summary: 'One appliance',
          tags: ['appliances'],
          security: OPERATOR_SECURITY,
          params: ApplianceParams,
          response: { 200: ApplianceView, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (req) => getApplianceView(model, req.params.id),
    );
  };
}
