// The admin listener's endpoints: /healthz, /metrics, /v1/status, /v1/routes, /v1/turnup,
// POST /v1/drain and POST /v1/undrain. None of these is served on the viewers' port (only
// /healthz is, see server.ts): a viewer must not drain an appliance or read its state.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TurnupReport } from '@ferry/protocol';
import { Errors } from '../errors.js';
import { checkAdminWrite } from './admin-guard.js';
import { sendError, sendJson } from './respond.js';
import type { RequestTarget } from './target.js';

export interface Health {
  ok: boolean;
  state: string;
  reason?: string;
}

export type UndrainResult = 'serving' | 'exiting';

export interface AdminContext {
  /** A promise in a worker of --workers N: the primary's parts (BGP, agent, chaos) are asked for. */
  status(): Record<string, unknown> | Promise<Record<string, unknown>>;
  healthy(): Health;
  metricsText(): Promise<string>;
  /** Resolves once the drain is in force (on every worker, with --workers). */
  drain(opts: { exit: boolean }): Promise<void>;
  undrain(): Promise<UndrainResult>;
  /** The last turn-up report; `run`: run the checks now and answer with that (docs/install.md "Turn-up"). */
  turnup(run: boolean): Promise<TurnupReport>;
  /** Routes learned over BGP; absent when no BGP speaker is configured. */
  routes?(query: URLSearchParams): RoutesAnswer | Promise<RoutesAnswer>;
}

export interface RoutesAnswer {
  status: number;
  body: unknown;
}

export function sendHealth(res: ServerResponse, h: Health, head: boolean): void {
  sendJson(
    res,
    h.ok ? 200 : 503,
    { status: h.ok ? 'ok' : 'unavailable', state: h.state, reason: h.reason },
    head,
  );
}

export async function handleAdmin(
  ctx: AdminContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestTarget,
): Promise<void> {
  const method = req.method ?? 'GET';
  const head = method === 'HEAD';
  const readOnly = method === 'GET' || head;
  switch (url.pathname) {
    case '/healthz':
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      return sendHealth(res, ctx.healthy(), head);
    case '/metrics': {
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      const text = await ctx.metricsText();
      res.writeHead(200, {
        'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(head ? undefined : text);
      return;
    }
    case '/v1/status':
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      return sendJson(res, 200, await ctx.status(), head);
    case '/v1/routes':
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      if (ctx.routes) {
        const r = await ctx.routes(url.query);
        return sendJson(res, r.status, r.body, head);
      }
      return sendJson(res, 200, { routes: [], total: 0, bgp: 'not configured' }, head);
    case '/v1/turnup': {
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      const report = await ctx.turnup(url.query.get('run') === '1');
      return sendJson(res, 200, report, head);
    }
    case '/v1/drain': {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const refused = checkAdminWrite(req.headers);
      if (refused) return sendError(res, refused);
      const exit = url.query.get('exit') === 'true';
      await ctx.drain({ exit });
      return sendJson(res, 202, { state: 'draining', exit });
    }
    case '/v1/undrain': {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const refused = checkAdminWrite(req.headers);
      if (refused) return sendError(res, refused);
      if ((await ctx.undrain()) === 'exiting') return sendError(res, Errors.EXITING);
      return sendJson(res, 200, { state: 'serving' });
    }
    default:
      return sendError(res, Errors.NOT_FOUND, { head });
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendError(res, Errors.METHOD_NOT_ALLOWED, { headers: { Allow: allow } });
}
