// POST /v1/catalog (catalog.json from `ferry content generate`) and GET /v1/titles/:id.
// The catalog is checked with protocol's parseCatalog, which names the first bad field.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CatalogError, ErrorBody, parseCatalog } from '@ferry/protocol';
import { Type } from 'typebox';
import { Errors, FerryError } from '../../errors.js';
import type { ControlContext } from '../context.js';
import { TitleParams, TitleView } from '../schemas.js';

const CATALOG_BODY_LIMIT = 64 * 1024 * 1024;

export function catalogRoutes(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { model, store } = ctx;
  return async (app) => {
    app.post(
      '/v1/catalog',
      {
        bodyLimit: CATALOG_BODY_LIMIT,
        schema: {
          summary: 'Replace the catalog (catalog.json as written by `ferry content generate`)',
          tags: ['catalog'],
          body: Type.Object({}, { additionalProperties: true }),
          response: {
            200: Type.Object({ titles: Type.Integer(), streams: Type.Integer() }),
            400: ErrorBody,
          },
        },
      },
      async (req) => {
        let catalog: ReturnType<typeof parseCatalog>;
        try {
          catalog = parseCatalog(req.body);
        } catch (err) {
          if (err instanceof CatalogError)
            throw new FerryError(Errors.CATALOG_INVALID, err.message, { replaceMessage: true });
          throw err;
        }
        await ctx.localWrites.run('catalog', () => store.putCatalog(catalog));
        model.setCatalog(catalog);
        const streams = catalog.titles.reduce((n, t) => n + t.streams.length, 0);
        return { titles: catalog.titles.length, streams };
      },
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
      async (req) => {
        const title = model.getTitle(req.params.id);
        if (!title) throw new FerryError(Errors.UNKNOWN_TITLE, req.params.id);
        return title;
      },
    );
  };
}
