// The operator's appliance admin (ingest/enrollment.ts): POST /v1/appliances enrolls an
// identity key, POST …/disable and …/enable, DELETE /v1/appliances/:id. Operator role.
// Each runs in the appliance's turn between its heartbeats, so none lands half-way through one.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceIdentityView, EnrollRequest, ErrorBody } from '@ferry/protocol';
import { Type } from 'typebox';
import { type EnrollmentTarget, enroll, removeAppliance, setDisabled } from '../../ingest/enrollment.js';
import type { ControlContext } from '../context.js';
import { OPERATOR_SECURITY, requireRole } from '../guards.js';
import { ApplianceParams } from '../schemas.js';

const REFUSALS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export function enrollmentHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const target: EnrollmentTarget = {
    store: ctx.store,
    model: ctx.model,
    forgetHeartbeats: (id) => ctx.heartbeats.forget(id),
  };
  const operator = requireRole(ctx, 'operator');
  const inTurn = <T>(id: string, task: () => Promise<T>) => ctx.heartbeats.exclusive(id, task);

  return async (app) => {
    app.post(
      '/v1/appliances',
      {
        onRequest: operator,
        schema: {
          summary: "Enroll an appliance's identity key (201; 200 when known with this key)",
          tags: ['enrollment'],
          security: OPERATOR_SECURITY,
          body: EnrollRequest,
          response: { 200: ApplianceIdentityView, 201: ApplianceIdentityView, 409: ErrorBody, ...REFUSALS },
        },
      },
      async (req, reply) => {
        const { identity, created } = await inTurn(req.body.id, () => enroll(target, req.body));
        return reply.code(created ? 201 : 200).send(identity);
      },
    );

    for (const [action, disabled] of [
      ['disable', true],
      ['enable', false],
    ] as const) {
      app.post(
        `/v1/appliances/:id/${action}`,
        {
          onRequest: operator,
          schema: {
            summary: disabled
              ? 'Disable an appliance: heartbeats refused, out of steering and the route trie'
              : 'Enable a disabled appliance (its next heartbeat is asked for full reports)',
            tags: ['enrollment'],
            security: OPERATOR_SECURITY,
            params: ApplianceParams,
            body: Type.Optional(Type.Object({})),
            response: { 200: ApplianceIdentityView, ...REFUSALS },
          },
        },
        async (req) => inTurn(req.params.id, () => setDisabled(target, req.params.id, disabled)),
      );
    }

    app.delete(
      '/v1/appliances/:id',
      {
        onRequest: operator,
        schema: {
          summary: 'Remove an appliance: identity, record, routes and inventory',
          tags: ['enrollment'],
          security: OPERATOR_SECURITY,
          params: ApplianceParams,
          response: { 204: Type.Null(), ...REFUSALS },
        },
      },
      async (req, reply) => {
        await inTurn(req.params.id, () => removeAppliance(target, req.params.id));
        return reply.code(204).send(null);
      },
    );
  };
}
