// GET /v1/appliances and /v1/appliances/:id: the registry as the model holds it, with
// health and how many routes and files each appliance reported.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '@ferry/protocol';
import { Type } from 'typebox';
import { Errors, FerryError } from '../../errors.js';
import type { ControlModel } from '../../model/model.js';
import type { ApplianceRecord } from '../../state/store.js';
import type { ControlContext } from '../context.js';
import { ApplianceParams, ApplianceView } from '../schemas.js';

export function applianceRoutes(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { model } = ctx;
  return async (app) => {
    app.get(
      '/v1/appliances',
      {
        schema: {
          summary: 'Every known appliance with health, route and file counts',
          tags: ['appliances'],
          response: { 200: Type.Object({ appliances: Type.Array(ApplianceView) }) },
        },
      },
      async () => ({ appliances: model.listAppliances().map((rec) => applianceView(model, rec)) }),
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
      async (req) => {
        const rec = model.getAppliance(req.params.id);
        if (!rec) throw new FerryError(Errors.UNKNOWN_APPLIANCE, req.params.id);
        return applianceView(model, rec);
      },
    );
  };
}

export function applianceView(model: ControlModel, rec: ApplianceRecord) {
  const rv = model.routeVersion(rec.id);
  return {
    ...rec,
    routes: model.routes.count(rec.id),
    routesEpoch: rv?.epoch ?? null,
    routesVersion: rv?.version ?? null,
    files: model.inventoryOf(rec.id).size,
    inventoryVersion: model.inventoryVersion(rec.id) ?? null,
  };
}
