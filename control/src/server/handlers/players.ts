// Standard players' endpoints (docs/players.md): HLS multivariant and media playlists, the
// DASH MPD and both steering manifests. Devices call them without credentials, as they call
// /v1/steer. Handlers resolve the client and the origin, call players/manifests.ts, and send
// the text with its content type, no-store (the URLs are signed for this client) and
// Access-Control-Allow-Origin: * (a page on any origin may play).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody } from '@ferry/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Errors, FerryError } from '../../errors.js';
import {
  dashMpd,
  hlsMedia,
  hlsMultivariant,
  type PlayerRequest,
  type PlayersOptions,
  steering,
} from '../../players/manifests.js';
import { createPlayerMetrics } from '../../players/metrics.js';
import { requestOrigin } from '../../players/origin.js';
import type { ControlContext } from '../context.js';
import { APPLIANCE_ID } from '../schemas.js';

const TitleId = Type.String({ minLength: 1, maxLength: 128 });
const TitleOnly = Type.Object({ titleId: TitleId });
const MediaParams = Type.Object({
  titleId: TitleId,
  applianceId: APPLIANCE_ID,
  // `{streamId}.m3u8`: the file id pattern plus the suffix.
  stream: Type.String({ pattern: '^(?!\\.)[A-Za-z0-9._-]{1,128}\\.m3u8$' }),
});
// What the players append to RELOAD-URI. HLS (Content Steering 1.2, hls.js): the pathway in
// use and the throughput in bits/s as an integer. DASH (DASH-IF Content Steering, dash.js):
// the service locations in use as a quoted comma list (`"a1,a2"`) and a comma list of
// throughputs, one per location, an entry empty when unmeasured; older dash.js sends one
// location unquoted and one (fractional) number.
const ID = '[A-Za-z0-9._-]{1,64}';
const NUM = '(?:\\d{1,16}(?:\\.\\d{1,16})?(?:[eE][+-]?\\d{1,3})?)';
const HlsSteeringQuery = Type.Object({
  _HLS_pathway: Type.Optional(Type.String({ pattern: `^${ID}$` })),
  _HLS_throughput: Type.Optional(Type.Number({ minimum: 0, maximum: 1e13 })),
});
const DashSteeringQuery = Type.Object({
  _DASH_pathway: Type.Optional(Type.String({ maxLength: 2048, pattern: `^"?(?:${ID}(?:,${ID})*)?"?$` })),
  _DASH_throughput: Type.Optional(Type.String({ maxLength: 2048, pattern: `^${NUM}?(?:,${NUM}?)*$` })),
});

const TEXT = { 200: Type.String(), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const M3U8 = 'application/vnd.apple.mpegurl';
const MPD = 'application/dash+xml';
const JSON_TYPE = 'application/json';

export function playerHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const opts: PlayersOptions = { steering: ctx.steering, steeringTtlSec: ctx.config.playerSteeringTtlSec };
  const metrics = createPlayerMetrics(ctx.metrics.registry);

  function request(req: FastifyRequest, titleId: string): PlayerRequest {
    const socket = req.socket.remoteAddress ?? '';
    const origin = requestOrigin({
      host: req.headers.host,
      forwardedHost: req.headers['x-forwarded-host'],
      forwardedProto: req.headers['x-forwarded-proto'],
      viaTrustedProxy: ctx.clientAddress.viaTrustedProxy(socket),
      encrypted: 'encrypted' in req.socket && Boolean(req.socket.encrypted),
    });
    if (!origin) throw new FerryError(Errors.PLAYER_ORIGIN, String(req.headers.host ?? '(none)'));
    return { titleId, client: ctx.clientAddress.resolve(socket, req.headers['x-forwarded-for']), origin };
  }

  function send(reply: FastifyReply, type: string, kind: string, text: string): string {
    metrics.manifests.inc({ kind });
    reply.type(`${type}; charset=utf-8`);
    return text;
  }

  return async (app) => {
    // Every answer of these routes, errors included, may be read by a page on any origin;
    // none may be cached (signed, client-bound URLs; a steering answer is the ranking now).
    app.addHook('onRequest', async (_req, reply) => {
      reply.header('access-control-allow-origin', '*');
      reply.header('cache-control', 'no-store');
    });

    app.get(
      '/v1/titles/:titleId/main.m3u8',
      {
        schema: {
          summary: 'HLS multivariant playlist: one pathway per ranked appliance, with Content Steering',
          tags: ['players'],
          params: TitleOnly,
          response: TEXT,
        },
      },
      async (req, reply) =>
        send(reply, M3U8, 'hls-multivariant', hlsMultivariant(opts, request(req, req.params.titleId))),
    );

    app.get(
      '/v1/titles/:titleId/hls/:applianceId/:stream',
      {
        schema: {
          summary: 'HLS media playlist of one rung on one appliance: byte ranges of signed URLs',
          tags: ['players'],
          params: MediaParams,
          response: TEXT,
        },
      },
      async (req, reply) => {
        const { titleId, applianceId, stream } = req.params;
        const streamId = stream.slice(0, -'.m3u8'.length);
        return send(
          reply,
          M3U8,
          'hls-media',
          hlsMedia(opts, { ...request(req, titleId), applianceId, streamId }),
        );
      },
    );

    app.get(
      '/v1/titles/:titleId/manifest.mpd',
      {
        schema: {
          summary: 'DASH MPD: one service location per ranked appliance, with Content Steering',
          tags: ['players'],
          params: TitleOnly,
          response: TEXT,
        },
      },
      async (req, reply) => send(reply, MPD, 'dash-mpd', dashMpd(opts, request(req, req.params.titleId))),
    );

    app.get(
      '/v1/titles/:titleId/steering/hls',
      {
        schema: {
          summary: 'HLS steering manifest: the pathways in the current order',
          tags: ['players'],
          params: TitleOnly,
          querystring: HlsSteeringQuery,
          response: TEXT,
        },
      },
      async (req, reply) => {
        const q = req.query;
        metrics.steeringReloads.inc({
          protocol: 'hls',
          pathway: String(q._HLS_pathway !== undefined),
          throughput: String(q._HLS_throughput !== undefined),
        });
        return send(
          reply,
          JSON_TYPE,
          'steering-hls',
          steering(opts, request(req, req.params.titleId), 'hls'),
        );
      },
    );

    app.get(
      '/v1/titles/:titleId/steering/dash',
      {
        schema: {
          summary: 'DASH steering manifest: the service locations in the current order',
          tags: ['players'],
          params: TitleOnly,
          querystring: DashSteeringQuery,
          response: TEXT,
        },
      },
      async (req, reply) => {
        const q = req.query;
        metrics.steeringReloads.inc({
          protocol: 'dash',
          pathway: String(q._DASH_pathway !== undefined),
          throughput: String(q._DASH_throughput !== undefined),
        });
        return send(
          reply,
          JSON_TYPE,
          'steering-dash',
          steering(opts, request(req, req.params.titleId), 'dash'),
        );
      },
    );
  };
}
