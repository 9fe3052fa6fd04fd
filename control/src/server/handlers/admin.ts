// Operators' admin state (admin/service.ts, docs/control.md "Admin state"): drain and
// undrain an appliance, schedule and cancel its maintenance window. Operator role; each
// answers the appliance's AdminStateView. The service's window timer lives as long as the app.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AdminStateView, DrainRequest, ErrorBody, MaintenanceRequest } from '@ferry/protocol';
import { Type } from 'typebox';
import { AdminService } from '../../admin/service.js';
import type { ControlContext } from '../context.js';
import { OPERATOR_SECURITY, operatorName, requireRole } from '../guards.js';
import { ApplianceParams } from '../schemas.js';

const REFUSALS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export function adminHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const operator = requireRole(ctx, 'operator');
  const service = new AdminService({ store: ctx.store, model: ctx.model, logger: ctx.logger });
  const route = (summary: string) => ({
    summary,
    tags: ['admin'],
    security: OPERATOR_SECURITY,
    params: ApplianceParams,
    response: { 200: AdminStateView, ...REFUSALS },
  });

  return async (app) => {
    service.start();
    app.addHook('onClose', async () => service.stop());
    // Every body here may be left out (`curl -X POST …/undrain`): none is an empty object.
    app.addHook('preValidation', async (req) => {
      if (req.body === undefined || req.body === null) req.body = {};
    });

    app.post(
      '/v1/appliances/:id/drain',
      {
        onRequest: operator,
        schema: {
          ...route('Drain an appliance: out of steering at once, and its heartbeat replies order a drain'),
          body: DrainRequest,
        },
      },
      async (req) => service.drain(req.params.id, operatorName(req), req.body?.reason),
    );

    app.post(
      '/v1/appliances/:id/undrain',
      {
        onRequest: operator,
        schema: {
          ...route('Lift an operator drain (a maintenance window in progress still drains)'),
          body: Type.Optional(Type.Object({})),
        },
      },
      async (req) => service.undrain(req.params.id, operatorName(req)),
    );

    app.put(
      '/v1/appliances/:id/maintenance',
      {
        onRequest: operator,
        schema: {
          ...route(
            'Schedule (or replace) a maintenance window: drained from startMs to endMs, at most 7 days',
          ),
          body: MaintenanceRequest,
        },
      },
      async (req) => service.schedule(req.params.id, operatorName(req), req.body),
    );

    app.delete(
      '/v1/appliances/:id/maintenance',
      {
        onRequest: operator,
        schema: route('Cancel the maintenance window (it ends at once if in progress)'),
      },
      async (req) => service.cancel(req.params.id, operatorName(req)),
    );
  };
}
