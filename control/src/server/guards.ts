// The credential checks as fastify hooks: `requireRole` in front of every call that changes
// or exposes the fleet (docs/security.md, operator roles). The credential is an operator
// token (`Authorization: Bearer`) or, without one, the dashboard's session cookie, which
// carries its token's role (docs/dashboard.md); a write with a session also needs the
// session's X-Ferry-CSRF header, so a page of another site cannot drive it. A refusal is
// counted, logged (rate-limited, with the caller's address) and answered with its own
// FERRY_ERR_AUTH_ code.
import { FerryError } from '@ferry/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessCheck } from '../auth/operator-access.js';
import { type OperatorTokenEntry, type Role, roleAllows } from '../auth/operator-tokens.js';
import { Errors } from '../errors.js';
import { readCookie, SESSION_COOKIE } from '../ui/cookies.js';
import { csrfMatches, type UiSession } from '../ui/sessions.js';
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

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The dashboard session a request's cookie names, if it is live and its token still stands
 * (removed or changed in the token file: the session ends here).
 */
export function liveSession(ctx: ControlContext, req: FastifyRequest): UiSession | undefined {
  const sessions = ctx.sessions;
  if (!sessions) return undefined;
  const s = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
  if (!s) return undefined;
  if (!ctx.access.stillHolds(s.tokenId, s.role)) {
    sessions.endToken(s.tokenId);
    return undefined;
  }
  return s;
}

function sessionCheck(ctx: ControlContext, req: FastifyRequest, role: Role): AccessCheck | undefined {
  if (!ctx.sessions || readCookie(req.headers.cookie, SESSION_COOKIE) === undefined) return undefined;
  const s = liveSession(ctx, req);
  if (!s) return { ok: false, spec: Errors.AUTH_SESSION_ENDED, reason: 'session-ended' };
  if (!SAFE_METHODS.has(req.method) && !csrfMatches(s, req.headers['x-ferry-csrf']))
    return { ok: false, spec: Errors.AUTH_CSRF, reason: 'csrf' };
  if (!roleAllows(s.role, role)) return { ok: false, spec: Errors.AUTH_FORBIDDEN, reason: 'forbidden' };
  return { ok: true, entry: { id: s.tokenId, role: s.role, name: s.name, hash: Buffer.alloc(0) } };
}

export function requireRole(ctx: ControlContext, role: Role) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    // A token wins over a cookie: scripts and `ferry` never hold a session.
    const check =
      (req.headers.authorization === undefined ? sessionCheck(ctx, req, role) : undefined) ??
      ctx.access.check(req.headers.authorization, role);
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
