// POST /v1/steer (DESIGN flow 1): the client's address → covering prefixes from the model's
// route trie → rankAppliances per stream → up to N signed URLs each. Reads the in-memory
// model only; the store is never on this path.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, SteerRequest, SteerResponse } from '@ferry/protocol';
import { Errors, FerryError } from '../../errors.js';
import type { ControlModel } from '../../model/model.js';
import type { CoveringMatch } from '../../model/route-index.js';
import { type Candidate, type CandidateHealth, rankAppliances } from '../../steering/rank.js';
import { signedUrl } from '../../steering/sign.js';
import type { ControlContext } from '../context.js';

const HEALTH_STATES = new Set<string>(['healthy', 'degraded', 'unhealthy', 'draining', 'drained', 'unknown']);

export function steerRoutes(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { model, config, metrics, keys } = ctx;
  return async (app) => {
    app.post(
      '/v1/steer',
      {
        schema: {
          summary: 'Ranked, signed appliance URLs for every stream of a title',
          tags: ['steering'],
          body: SteerRequest,
          response: { 200: SteerResponse, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
        },
      },
      async (req, reply) => {
        const { titleId } = req.body;
        const title = model.getTitle(titleId);
        if (!title) throw new FerryError(Errors.UNKNOWN_TITLE, titleId);
        const client = ctx.clientAddress.resolve(
          req.socket.remoteAddress ?? '',
          req.headers['x-forwarded-for'],
        );
        const covering = model.routes.covering(client);
        const clientPrefix = covering[0]?.prefix ?? '';
        const appliances = candidates(model, covering, config.fallbackSites);
        const expiresAt = Math.floor(Date.now() / 1000) + config.tokenTtlSec;

        const parts: string[] = [];
        for (const s of title.streams) {
          const result = rankAppliances({
            fileId: s.streamId,
            covering,
            appliances,
            fallbackSites: config.fallbackSites,
            maxUrls: config.urlsPerStream,
            headroom: config.headroom,
          });
          metrics.steering.inc({ decision: result.decision });
          if (result.ranked.length === 0) {
            req.log.debug({ client, titleId, streamId: s.streamId, reason: result.reason }, 'steering: none');
            throw new FerryError(Errors.NO_APPLIANCE, result.reason, { replaceMessage: true });
          }
          const urls: SteerResponse['streams'][number]['urls'] = result.ranked.map((r, i) => ({
            rank: i + 1,
            url: keys
              ? signedUrl({
                  baseUrl: r.url,
                  fileId: s.streamId,
                  key: keys.signing,
                  expiresAt,
                  clientPrefix,
                })
              : `${r.url.replace(/\/$/, '')}/v1/c/${s.streamId}`,
            applianceId: r.applianceId,
            site: r.site,
          }));
          parts.push(`${streamHead(s)},"urls":${JSON.stringify(urls)}}`);
        }
        // The answer is mostly the streams' segment lists, which never change for a catalog
        // entry: they are serialised once per stream (streamHead) and the per-request part
        // (URLs, expiry, prefix) is spliced in, instead of serialising ~150 KiB per request.
        // The shape is SteerResponse's, which the tests check by parsing the answer.
        reply.type('application/json; charset=utf-8');
        const json = `{"titleId":${JSON.stringify(titleId)},"expiresAt":${expiresAt},"clientPrefix":${JSON.stringify(clientPrefix)},"streams":[${parts.join(',')}]}`;
        // fastify sends a string with a JSON content type as it is; the route's response schema
        // still documents the shape (OpenAPI) and serialises the error bodies.
        return json as unknown as SteerResponse;
      },
    );
  };
}

type CatalogStream = NonNullable<ReturnType<ControlModel['getTitle']>>['streams'][number];

// Keyed by the catalog's stream objects: a new catalog brings new objects, and the old
// entries go with them.
const heads = new WeakMap<CatalogStream, string>();

/** `{"streamId":…,"kind":…,"bitrate":…,"size":…,"segments":[…]` — everything but the URLs. */
function streamHead(s: CatalogStream): string {
  let head = heads.get(s);
  if (head === undefined) {
    const segments = s.segments.map((g) => ({
      index: g.index,
      start: g.start,
      length: g.length,
      durationSec: g.durationSec,
    }));
    const body = JSON.stringify({
      streamId: s.streamId,
      kind: s.kind,
      bitrate: s.bitrate,
      size: s.size,
      segments,
    });
    head = body.slice(0, -1);
    heads.set(s, head);
  }
  return head;
}

/** Only the appliances this client can be sent to: those on covering prefixes and in fallback sites. */
function candidates(
  model: ControlModel,
  covering: readonly CoveringMatch[],
  fallbackSites: readonly string[],
): Map<string, Candidate> {
  const ids = new Set<string>();
  for (const m of covering) for (const id of m.applianceIds) ids.add(id);
  for (const site of fallbackSites) for (const id of model.idsInSite(site)) ids.add(id);
  const out = new Map<string, Candidate>();
  for (const id of ids) {
    const rec = model.getAppliance(id);
    if (!rec) continue;
    const files = model.inventoryOf(rec.id);
    out.set(rec.id, {
      id: rec.id,
      site: rec.site,
      url: rec.url,
      health: (HEALTH_STATES.has(rec.health) ? rec.health : 'unknown') as CandidateHealth,
      holds: (fileId) => files.has(fileId),
      loadBps: rec.loadBps,
      capacityBps: rec.capacityBps,
    });
  }
  return out;
}
