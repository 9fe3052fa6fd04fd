// The dashboard's pages and login (docs/dashboard.md): /ui/ needs a session (else the login
// page), /ui/login takes a pasted operator token, POST /ui/api/login turns it into a session
// cookie, POST /ui/api/logout ends it, GET /ui/api/session gives the page its name, role and
// CSRF token. The token itself is never stored in the browser by control.
import type { TLSSocket } from 'node:tls';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '@ferry/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Errors, FerryError } from '../errors.js';
import type { ControlContext } from '../server/context.js';
import { callerAddress, liveSession } from '../server/guards.js';
import { clearedCookie, sessionCookie } from './cookies.js';
import { csrfMatches, SESSION_MAX_AGE_MS, type UiSession } from './sessions.js';
import { UI_HEADERS } from './static-files.js';
import type { UiContext } from './ui-context.js';

const LoginBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const SessionView = Type.Object({
  name: Type.String(),
  role: Type.String(),
  csrf: Type.String(),
  expiresMs: Type.Number(),
  chaos: Type.Boolean(),
});
const AssetParams = Type.Object({ file: Type.String({ pattern: '^[a-z0-9-]+\\.[a-z]+$' }) });
const TAGS = ['dashboard'];

function overTls(req: FastifyRequest): boolean {
  return (req.raw.socket as TLSSocket).encrypted === true;
}

export function loginHandlers(ctx: ControlContext, ui: UiContext): FastifyPluginAsyncTypebox {
  const { sessions, files } = ui;
  const sendFile = (reply: FastifyReply, name: string, cache: string) => {
    const f = files.get(name);
    if (!f) throw new FerryError(Errors.NOT_FOUND, `/ui/assets/${name}`);
    return reply.headers(UI_HEADERS).header('cache-control', cache).type(f.type).send(f.body);
  };
  const view = (s: UiSession) => ({
    name: s.name,
    role: s.role,
    csrf: s.csrf,
    expiresMs: sessions.expiresMs(s),
    chaos: ctx.chaos.configured,
  });
  return async (app) => {
    const page = { schema: { hide: true } };
    app.get('/ui', page, async (_req, reply) => reply.redirect('/ui/'));
    app.get('/ui/', page, async (req, reply) => {
      if (!liveSession(ctx, req)) return reply.headers(UI_HEADERS).redirect('/ui/login');
      return sendFile(reply, 'index.html', 'no-store');
    });
    app.get('/ui/login', page, async (_req, reply) => sendFile(reply, 'login.html', 'no-store'));
    app.get('/ui/assets/:file', { schema: { hide: true, params: AssetParams } }, async (req, reply) =>
      // Revalidated each load: a control upgrade changes them under the same names.
      sendFile(reply, req.params.file, 'no-cache'),
    );

    app.post(
      '/ui/api/login',
      {
        schema: {
          summary:
            'Log in to the dashboard with an operator token (viewer role or more): sets the session cookie',
          tags: TAGS,
          body: LoginBody,
          response: { 200: SessionView, 400: ErrorBody, 401: ErrorBody },
        },
      },
      async (req, reply) => {
        const check = ctx.access.check(`Bearer ${req.body.token.trim()}`, 'viewer');
        if (!check.ok) {
          ctx.refusals.note(check.reason, callerAddress(ctx, req), { method: req.method, url: req.url });
          throw new FerryError(check.spec);
        }
        const s = sessions.create(check.entry);
        req.log.info({ token: check.entry.name, role: check.entry.role }, 'dashboard login');
        reply.header(
          'set-cookie',
          sessionCookie(s.id, { secure: overTls(req), maxAgeSec: Math.floor(SESSION_MAX_AGE_MS / 1000) }),
        );
        return view(s);
      },
    );

    app.post(
      '/ui/api/logout',
      {
        schema: {
          summary: 'End the dashboard session (needs X-Ferry-CSRF)',
          tags: TAGS,
          response: { 204: Type.Null(), 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (req, reply) => {
        const s = liveSession(ctx, req);
        if (!s) throw new FerryError(Errors.AUTH_SESSION_ENDED);
        if (!csrfMatches(s, req.headers['x-ferry-csrf'])) throw new FerryError(Errors.AUTH_CSRF);
        sessions.end(s.id);
        return reply
          .header('set-cookie', clearedCookie(overTls(req)))
          .code(204)
          .send(null);
      },
    );

    app.get(
      '/ui/api/session',
      {
        schema: {
          summary: "The dashboard session: its token's name and role, and the CSRF token for writes",
          tags: TAGS,
          response: { 200: SessionView, 401: ErrorBody },
        },
      },
      async (req, reply) => {
        const s = liveSession(ctx, req);
        if (!s) throw new FerryError(Errors.AUTH_SESSION_ENDED);
        reply.header('cache-control', 'no-store');
        return view(s);
      },
    );
  };
}
