// Operations endpoints: /healthz, /metrics, /v1/status, /v1/routes, POST /v1/drain.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Errors } from '../errors.js';
import { sendError, sendJson } from './respond.js';
import type { RequestTarget } from './target.js';

export interface OpsContext {
  status(): Record<string, unknown>;
  healthy(): { ok: boolean; state: string; reason?: string };
  metricsText(): Promise<string>;
  drain(opts: { exit: boolean }): void;
  /** Routes learned over BGP; absent when no BGP speaker is configured. */
  routes?(query: URLSearchParams): { status: number; body: unknown };
}

export async function handleOps(
  ctx: OpsContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestTarget,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const head = method === 'HEAD';
  const readOnly = method === 'GET' || head;
  switch (url.pathname) {
    case '/healthz': {
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      const h = ctx.healthy();
      sendJson(
        res,
        h.ok ? 200 : 503,
        { status: h.ok ? 'ok' : 'unavailable', state: h.state, reason: h.reason },
        head,
      );
      return true;
    }
    case '/metrics': {
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      const text = await ctx.metricsText();
      res.writeHead(200, {
        'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(head ? undefined : text);
      return true;
    }
    case '/v1/status':
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      sendJson(res, 200, ctx.status(), head);
      return true;
    case '/v1/routes':
      if (!readOnly) return methodNotAllowed(res, 'GET, HEAD');
      if (ctx.routes) {
        const r = ctx.routes(url.query);
        sendJson(res, r.status, r.body, head);
      } else {
        sendJson(res, 200, { routes: [], total: 0, bgp: 'not configured' }, head);
      }
      return true;
    case '/v1/drain': {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const exit = url.query.get('exit') === 'true';
      ctx.drain({ exit });
      sendJson(res, 202, { state: 'draining', exit });
      return true;
    }
    default:
      return false;
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  sendError(res, Errors.METHOD_NOT_ALLOWED, { headers: { Allow: allow } });
  return true;
}
