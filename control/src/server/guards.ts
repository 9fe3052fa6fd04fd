// The credential checks as fastify hooks: `requireRole` in front of every call that changes
// or exposes the fleet (docs/security.md, operator roles). A refusal is counted, logged
// (rate-limited, with the caller's address) and answered with its own FERRY_ERR_AUTH_ code.
import { FerryError } from '@ferry/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperatorTokenEntry, Role } from '../auth/operator-tokens.js';
import type { ControlContext } from './context.js';

/** The caller's address, as steering sees it (trusted proxies' X-Forwarded-For). */
export function callerAddress(ctx: ControlContext, req: FastifyRequest): string {
  return ctx.clientAddress.resolve(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for']);
}

/** The token each request passed requireRole with. */
const callers = new WeakMap<FastifyRequest, OperatorTokenEntry>();

/** The name of the operator token a request proved itself with (for the records it writes). */
export function operatorName(req: FastifyRequest): string {
  return callers.get(req)?.name ?? 'unknown';
}

export function requireRole(ctx: ControlContext, role: Role) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const check = ctx.access.check(req.headers.authorization, role);
    if (check.ok) {
      callers.set(req, check.entry);
      return;
    }
    ctx.refusals.note(check.reason, callerAddress(ctx, req), { method: req.method, url: req.url, role });
    throw new FerryError(check.spec);
  };
}

/** OpenAPI: this route needs an operator token. */
export const OPERATOR_SECURITY = [{ operatorToken: [] }];
/** OpenAPI: this route needs an appliance signature. */
export const APPLIANCE_SECURITY = [{ applianceSignature: [] }];
