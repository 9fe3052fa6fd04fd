// POST /v1/catalog (ingest/catalog.ts) and GET /v1/titles/:id (queries/titles.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CatalogAccepted, ErrorBody, TitleView } from '@ferry/protocol';
import { Type } from 'typebox';
import { ingestCatalog } from '../../ingest/catalog.js';
import { getTitle } from '../../queries/titles.js';
import type { ControlContext } from '../context.js';
import { OPERATOR_SECURITY, requireRole } from '../guards.js';
import { TitleParams } from '../schemas.js';

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
  };
}
