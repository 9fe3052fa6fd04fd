// The dashboard's own reads (docs/dashboard.md), for viewers and up, by session or token:
// the live stream, one snapshot, the steering decisions ring, the Route Explorer's pages and
// CSV, and "where would this address go". Everything else the page shows comes from /v1.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '@ferry/protocol';
import { Type } from 'typebox';
import { Errors, FerryError } from '../errors.js';
import type { ControlContext } from '../server/context.js';
import { liveSession, OPERATOR_SECURITY, requireRole } from '../server/guards.js';
import { APPLIANCE_ID, SITE_NAME } from '../server/schemas.js';
import { type RouteQuery, routePage, routeRows, routesCsv } from './route-table.js';
import type { UiContext } from './ui-context.js';
import { whereWouldItGo } from './where-would-it-go.js';

const RoutesQuery = Type.Object({
  site: Type.Optional(SITE_NAME),
  appliance: Type.Optional(APPLIANCE_ID),
  inconsistent: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ maxLength: 64, pattern: '^[0-9A-Fa-f.:/]*$' })),
  offset: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});
const CsvQuery = Type.Omit(RoutesQuery, ['offset', 'limit']);
const WhereQuery = Type.Object({
  ip: Type.String({ minLength: 1, maxLength: 64 }),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
const SteeringQuery = Type.Object({ seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 900 })) });
const TAGS = ['dashboard'];
const common = { tags: TAGS, security: OPERATOR_SECURITY };
const REFUSED = { 401: ErrorBody, 403: ErrorBody };
// The answers are the dashboard's own shapes (ui/*.ts), not wire contracts: serialised as they are.
const ANY = Type.Unknown();

function routeQuery(q: {
  site?: string;
  appliance?: string;
  inconsistent?: boolean;
  q?: string;
}): RouteQuery {
  if (q.site === undefined && q.appliance === undefined)
    throw new FerryError(Errors.VALIDATION, 'querystring must have site or appliance');
  return {
    ...(q.site !== undefined ? { site: q.site } : {}),
    ...(q.appliance !== undefined ? { appliance: q.appliance } : {}),
    ...(q.inconsistent !== undefined ? { inconsistent: q.inconsistent } : {}),
    ...(q.q ? { q: q.q } : {}),
  };
}

export function readHandlers(ctx: ControlContext, ui: UiContext): FastifyPluginAsyncTypebox {
  const viewer = requireRole(ctx, 'viewer');
  return async (app) => {
    app.get(
      '/ui/api/stream',
      {
        onRequest: viewer,
        schema: { ...common, summary: 'Server-Sent Events: a fleet snapshot at once, then every second' },
      },
      async (req, reply) => {
        if (ui.live.full) throw new FerryError(Errors.UI_STREAMS_FULL);
        reply.hijack();
        ui.live.open(reply.raw, liveSession(ctx, req)?.id ?? '');
      },
    );

    app.get(
      '/ui/api/snapshot',
      { onRequest: viewer, schema: { ...common, summary: 'One fleet snapshot, as the stream sends it' } },
      async () => ui.live.snapshot(),
    );

    app.get(
      '/ui/api/steering',
      {
        onRequest: viewer,
        schema: {
          ...common,
          summary: 'Steering decisions per second by class, the last 15 minutes at most, and the titles',
          querystring: SteeringQuery,
        },
      },
      async (req) => ({
        samples: ui.samples.samples(req.query.seconds),
        totals: ui.samples.totals(),
        // for the "where would this address go" box's title list
        titles: (ctx.model.getCatalog()?.titles ?? []).slice(0, 500).map((t) => ({ id: t.id, name: t.name })),
      }),
    );

    app.get(
      '/ui/api/routes',
      {
        onRequest: viewer,
        schema: {
          ...common,
          summary: 'Prefixes of one site or appliance, with who heard them and who did not (paged)',
          querystring: RoutesQuery,
          response: { 200: ANY, 400: ErrorBody, 404: ErrorBody, ...REFUSED },
        },
      },
      async (req) => routePage(ctx.model, routeQuery(req.query), req.query.offset, req.query.limit),
    );

    app.get(
      '/ui/api/routes.csv',
      {
        onRequest: viewer,
        schema: {
          ...common,
          summary: 'The same rows as CSV (site, prefix, heard_by, missing_from, consistent)',
          querystring: CsvQuery,
          response: { 200: Type.String(), 400: ErrorBody, 404: ErrorBody, ...REFUSED },
        },
      },
      async (req, reply) => {
        const q = routeQuery(req.query);
        const { site, rows } = routeRows(ctx.model, q);
        const name = `ferry-routes-${q.appliance ?? site}${q.inconsistent ? '-inconsistent' : ''}.csv`;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('cache-control', 'no-store')
          .send(routesCsv(rows));
      },
    );

    app.get(
      '/ui/api/where',
      {
        onRequest: viewer,
        schema: {
          ...common,
          summary:
            'Where steering would send this address (for this title): the decision and ranked appliances, unsigned and not counted',
          querystring: WhereQuery,
          response: { 200: ANY, 400: ErrorBody, 404: ErrorBody, ...REFUSED },
        },
      },
      async (req) => whereWouldItGo(ctx.steering, req.query.ip, req.query.title),
    );
  };
}
