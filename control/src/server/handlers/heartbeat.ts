// POST /v1/appliances/:id/heartbeat (ingest/heartbeat.ts), signed by the appliance
// (auth/heartbeat-auth.ts): the header before the body is read, the signature on the raw
// body before validation, the site and url against the enrollment after it, and only then
// is anything stored.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, FerryError, Heartbeat, HeartbeatReply } from '@ferry/protocol';
import type { FastifyRequest } from 'fastify';
import { withReplyOrders } from '../../admin/reply-orders.js';
import { checkClaims, checkHeaderEarly, checkSigner, type Refusal } from '../../auth/heartbeat-auth.js';
import type { ApplianceIdentity } from '../../state/store.js';
import type { ControlContext } from '../context.js';
import { APPLIANCE_SECURITY, callerAddress } from '../guards.js';
import { ApplianceParams } from '../schemas.js';

// A full BGP table comes in snapshot parts of at most 20,000 routes (a few MB of JSON with
// AS paths); 16 MiB leaves room for long paths and is still parsed in tens of milliseconds.
export const HEARTBEAT_BODY_LIMIT = 16 * 1024 * 1024;

export function heartbeatHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  // The signature covers the bytes sent, so the parser keeps them beside the parsed body.
  const rawBodies = new WeakMap<FastifyRequest, Buffer>();
  const signers = new WeakMap<FastifyRequest, ApplianceIdentity>();

  const refuse = (req: FastifyRequest, id: string, refusal: Refusal): never => {
    ctx.refusals.note(refusal.reason, callerAddress(ctx, req), { appliance: id, detail: refusal.detail });
    throw new FerryError(refusal.spec, refusal.detail);
  };

  return async (app) => {
    // Encapsulated: only this plugin's routes parse JSON this way.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      rawBodies.set(req, body as Buffer);
      // secure-json-parse (fastify's JSON parser) takes a Buffer as it takes a string.
      parseJson(req, body as unknown as string, done);
    });

    app.post(
      '/v1/appliances/:id/heartbeat',
      {
        bodyLimit: HEARTBEAT_BODY_LIMIT,
        schema: {
          summary: 'Appliance heartbeat: state, load, routes and inventory (signed by the appliance)',
          tags: ['appliances'],
          security: APPLIANCE_SECURITY,
          params: ApplianceParams,
          body: Heartbeat,
          response: { 200: HeartbeatReply, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody },
        },
        onRequest: async (req) => {
          const refusal = checkHeaderEarly(req.headers.authorization, ctx.model.identities);
          if (refusal) refuse(req, (req.params as { id: string }).id, refusal);
        },
        preValidation: async (req) => {
          const id = (req.params as { id: string }).id;
          const check = checkSigner({
            authorization: req.headers.authorization,
            request: { method: req.method, path: req.url, body: rawBodies.get(req) },
            applianceId: id,
            identities: ctx.model.identities,
            nonces: ctx.nonces,
            nowMs: Date.now(),
          });
          if (!check.ok) refuse(req, id, check.refusal);
          else signers.set(req, check.identity);
        },
      },
      async (req) => {
        const identity = signers.get(req)!;
        const refusal = checkClaims(req.body, identity, callerAddress(ctx, req));
        if (refusal) refuse(req, req.params.id, refusal);
        const reply = await ctx.heartbeats.ingest(req.params.id, req.body);
        return withReplyOrders(reply, req.params.id, ctx.model, ctx.steering.signingKey);
      },
    );
  };
}
