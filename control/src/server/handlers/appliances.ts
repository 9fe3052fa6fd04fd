// GET /v1/appliances and /v1/appliances/:id (queries/appliances.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceList, ApplianceView, ErrorBody } from '@ferry/protocol';
import { getApplianceView, listApplianceViews } from '../../queries/appliances.js';
import type { ControlContext } from '../context.js';
import { ApplianceParams } from '../schemas.js';

export function applianceHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { model } = ctx;
  return async (app) => {
    app.get(
      '/v1/appliances',
      {
        schema: {
          summary: 'Every known appliance with health, route and file counts',
          tags: ['appliances'],
          response: { 200: ApplianceList },
        },
      },
      async () => ({ appliances: listApplianceViews(model) }),
    );

    app.get(
      '/v1/appliances/:id',
      {
        schema: {
          summary: 'One appliance',
          tags: ['appliances'],
          params: ApplianceParams,
          response: { 200: ApplianceView, 404: ErrorBody },
        },
      },
      async (req) => getApplianceView(model, req.params.id),
    );
  };
}
