// POST /v1/catalog (ingest/catalog.ts), GET /v1/titles/:id (queries/titles.ts) and a
// stream's segment index, GET /v1/titles/:id/streams/:streamId/segments
// (steering/segment-index.ts), which steering answers point players to.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CatalogAccepted, ErrorBody, SegmentIndex, TitleView } from '@ferry/protocol';
import { Type } from 'typebox';
import { Errors, FerryError } from '../../errors.js';
import { ingestCatalog } from '../../ingest/catalog.js';
import { getTitle } from '../../queries/titles.js';
import { matchesEtag, SEGMENT_INDEX_MAX_AGE_SEC, segmentIndexText } from '../../steering/segment-index.js';
import type { ControlContext } from '../context.js';
import { OPERATOR_SECURITY, requireRole } from '../guards.js';
import { StreamParams, TitleParams } from '../schemas.js';

const CATALOG_BODY_LIMIT = 64 * 1024 * 1024;

export function catalogHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { model, store } = ctx;
  return async (app) => {
    app.post(
      '/v1/catalog',
      {
        bodyLimit: CATALOG_BODY_LIMIT,
        onRequest: requireRole(ctx, 'operator'),
        schema: {
          security: OPERATOR_SECURITY,
          summary: 'Replace the catalog (catalog.json as written by `ferry content generate`)',
          tags: ['catalog'],
          // Checked by protocol's parseCatalog, which names the first bad field; fastify's
          // validator would only say that the body does not match.
          body: Type.Object({}, { additionalProperties: true }),
          response: { 200: CatalogAccepted, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (req) => ingestCatalog({ store, model }, req.body),
    );

    app.get(
      '/v1/titles/:id',
      {
        schema: {
          summary: 'One title of the catalog, with its streams and segments',
          tags: ['catalog'],
          params: TitleParams,
          response: { 200: TitleView, 404: ErrorBody },
        },
      },
      async (req) => getTitle(model, req.params.id),
    );

    app.get(
      '/v1/titles/:id/streams/:streamId/segments',
      {
        schema: {
          summary: "One stream's segment index (what a steering answer's indexUrl names); cacheable",
          tags: ['catalog', 'steering'],
          params: StreamParams,
          response: { 200: SegmentIndex, 304: Type.Null(), 400: ErrorBody, 404: ErrorBody },
        },
      },
      async (req, reply) => {
        const title = getTitle(model, req.params.id);
        const text = segmentIndexText(title, req.params.streamId);
        if (!text) {
          throw new FerryError(
            Errors.UNKNOWN_STREAM,
            `no stream ${req.params.streamId} in title ${title.id}`,
            {
              replaceMessage: true,
            },
          );
        }
        reply.header('etag', text.etag);
        reply.header('cache-control', `public, max-age=${SEGMENT_INDEX_MAX_AGE_SEC}`);
        if (matchesEtag(req.headers['if-none-match'], text.etag)) return reply.code(304).send(null);
        reply.type('application/json; charset=utf-8');
        // Sent as the text built once (fastify passes a string with a JSON type through).
        return text.json as unknown as SegmentIndex;
      },
    );
  };
}
