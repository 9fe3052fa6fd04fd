// GET /v1/appliances/:id/manifest and /v1/appliances/:id/fill (fill/service.ts, docs/fill.md).
// The manifest is the appliance's own: signed by it exactly like a heartbeat (a GET, so the
// signature covers an empty body), or read by an operator of role viewer for debugging. Its
// source URLs are fill tokens bound to the appliance's address, of no use from elsewhere.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, FerryError, FillManifest, FillView } from '@ferry/protocol';
import type { FastifyRequest } from 'fastify';
import { checkHeaderEarly, checkSigner, type Refusal } from '../../auth/heartbeat-auth.js';
import type { ControlContext } from '../context.js';
import { APPLIANCE_SECURITY, callerAddress, OPERATOR_SECURITY, requireRole } from '../guards.js';
import { ApplianceParams } from '../schemas.js';

export function fillHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const viewer = requireRole(ctx, 'viewer');
  /** requests proven by the appliance itself (the others passed as operators) */
  const signed = new WeakSet<FastifyRequest>();

  const refuse = (req: FastifyRequest, id: string, refusal: Refusal): never => {
    ctx.refusals.note(refusal.reason, callerAddress(ctx, req), { appliance: id, detail: refusal.detail });
    throw new FerryError(refusal.spec, refusal.detail);
  };

  return async (app) => {
    app.get(
      '/v1/appliances/:id/manifest',
      {
        schema: {
          summary:
            'What the appliance should hold and where to fetch it (signed by the appliance, or a viewer token)',
          tags: ['fill'],
          security: [...APPLIANCE_SECURITY, ...OPERATOR_SECURITY],
          params: ApplianceParams,
          response: { 200: FillManifest, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
        onRequest: async (req, reply) => {
          const id = (req.params as { id: string }).id;
          const auth = req.headers.authorization;
          if (auth?.startsWith('Bearer ')) return viewer(req, reply);
          const early = checkHeaderEarly(auth, ctx.model.identities);
          if (early) refuse(req, id, early);
          const check = checkSigner({
            authorization: auth,
            request: { method: req.method, path: req.url },
            applianceId: id,
            identities: ctx.model.identities,
            nonces: ctx.nonces,
            nowMs: Date.now(),
          });
          if (!check.ok) refuse(req, id, check.refusal);
          signed.add(req);
        },
      },
      async (req) =>
        signed.has(req) ? ctx.fill.manifestForAppliance(req.params.id) : ctx.fill.manifest(req.params.id),
    );

    app.get(
      '/v1/appliances/:id/fill',
      {
        onRequest: viewer,
        schema: {
          summary: "How the appliance's fill goes: wanted, held, filling, failed, bytes to go, ETA",
          tags: ['fill'],
          security: OPERATOR_SECURITY,
          params: ApplianceParams,
          response: { 200: FillView, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (req) => ctx.fill.view(req.params.id),
    );
  };
}
