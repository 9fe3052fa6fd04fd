// GET /v1/events: the event log (registrations, health transitions, resyncs, chaos), filtered
// by appliance, chaos experiment and time. Read from the store: events are not on any hot path.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ControlEvents, ErrorBody } from '@ferry/protocol';
import type { EventFilter } from '../../state/store.js';
import type { ControlContext } from '../context.js';
import { OPERATOR_SECURITY, requireRole } from '../guards.js';
import { EventsQuery } from '../schemas.js';

export function eventHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/events',
      {
        onRequest: requireRole(ctx, 'viewer'),
        schema: {
          summary: 'Event log: registrations, health transitions, resyncs, enrollment, chaos',
          tags: ['events'],
          security: OPERATOR_SECURITY,
          querystring: EventsQuery,
          response: { 200: ControlEvents, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (req) => {
        const q = req.query;
        const filter: EventFilter = { limit: q.limit };
        if (q.appliance !== undefined) filter.applianceId = q.appliance;
        if (q.experiment !== undefined) filter.experimentId = q.experiment;
        if (q.since !== undefined) filter.sinceMs = q.since;
        if (q.until !== undefined) filter.untilMs = q.until;
        return { events: await ctx.store.listEvents(filter) };
      },
    );
  };
}
