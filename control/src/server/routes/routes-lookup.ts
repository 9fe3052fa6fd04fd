// GET /v1/routes/lookup?ip= and GET /v1/sites/:site/route-consistency: what the route trie
// says about one address, and where appliances of one site disagree about what they heard
// (a BGP session down on one of them, say).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, parseIp } from '@ferry/protocol';
import { Type } from 'typebox';
import { Errors, FerryError } from '../../errors.js';
import type { ControlContext } from '../context.js';
import { LookupQuery, SiteParams } from '../schemas.js';

const MAX_DIFFERENCES = 1000;

const LookupAppliance = Type.Object({
  id: Type.String(),
  site: Type.String(),
  health: Type.String(),
  url: Type.String(),
});

export function routeQueryRoutes(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { model } = ctx;
  return async (app) => {
    app.get(
      '/v1/routes/lookup',
      {
        schema: {
          summary: 'Which prefix and appliances cover an address',
          tags: ['routes'],
          querystring: LookupQuery,
          response: {
            200: Type.Object({
              ip: Type.String(),
              prefix: Type.Union([Type.String(), Type.Null()]),
              appliances: Type.Array(LookupAppliance),
              covering: Type.Array(
                Type.Object({ prefix: Type.String(), applianceIds: Type.Array(Type.String()) }),
              ),
            }),
            400: ErrorBody,
          },
        },
      },
      async (req) => {
        const { ip } = req.query;
        if (!parseIp(ip)) throw new FerryError(Errors.BAD_IP, `"${ip}"`);
        const covering = model.routes.covering(ip);
        const best = covering[0];
        const appliances = (best?.applianceIds ?? []).flatMap((id) => {
          const rec = model.getAppliance(id);
          return rec ? [{ id, site: rec.site, health: rec.health, url: rec.url }] : [];
        });
        return { ip, prefix: best?.prefix ?? null, appliances, covering };
      },
    );

    app.get(
      '/v1/sites/:site/route-consistency',
      {
        schema: {
          summary: 'Prefixes that some appliances of a site heard and others did not',
          tags: ['routes'],
          params: SiteParams,
          response: {
            200: Type.Object({
              site: Type.String(),
              appliances: Type.Array(Type.String()),
              prefixes: Type.Integer({ description: 'distinct prefixes heard in the site' }),
              consistent: Type.Boolean(),
              differences: Type.Array(
                Type.Object({
                  prefix: Type.String(),
                  heardBy: Type.Array(Type.String()),
                  missingFrom: Type.Array(Type.String()),
                }),
              ),
              truncated: Type.Boolean(),
            }),
            404: ErrorBody,
          },
        },
      },
      async (req) => {
        const { site } = req.params;
        const ids = model
          .listAppliances()
          .filter((a) => a.site === site)
          .map((a) => a.id);
        if (ids.length === 0) throw new FerryError(Errors.UNKNOWN_SITE, site);
        const heard = new Map<string, string[]>();
        for (const id of ids) {
          for (const p of model.routes.prefixesOf(id)) {
            const list = heard.get(p);
            if (list) list.push(id);
            else heard.set(p, [id]);
          }
        }
        const differences: { prefix: string; heardBy: string[]; missingFrom: string[] }[] = [];
        let total = 0;
        for (const [prefix, heardBy] of heard) {
          if (heardBy.length === ids.length) continue;
          total++;
          if (differences.length >= MAX_DIFFERENCES) continue;
          differences.push({ prefix, heardBy, missingFrom: ids.filter((id) => !heardBy.includes(id)) });
        }
        differences.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
        return {
          site,
          appliances: ids,
          prefixes: heard.size,
          consistent: total === 0,
          differences,
          truncated: total > differences.length,
        };
      },
    );
  };
}
