// The players' use case (docs/players.md): a title's HLS playlists, DASH MPD and steering
// manifests for one client, from the steering ranking (pathways.ts) and the pure text
// builders. The handler (server/handlers/players.ts) resolves the client and the origin.

import { contentPath, contentUrl } from '../steering/rank-title.js';
import { contentRoot } from '../steering/sign.js';
import type { SteeringOptions } from '../steering/steer.js';
import { mpd } from './dash-text.js';
import { mediaPlaylist, multivariantPlaylist } from './hls-text.js';
import { rungOn, titlePathways } from './pathways.js';
import { type SteeringProtocol, steeringManifest } from './steering-manifest.js';

export interface PlayerRequest {
  titleId: string;
  /** the client's address as ClientAddressResolver settled it */
  client: string;
  /** `http://host:port` the player reached control on */
  origin: string;
}

export interface PlayersOptions {
  steering: SteeringOptions;
  /** TTL of the steering manifests (--player-steering-ttl) */
  steeringTtlSec: number;
}

function titleBase(req: PlayerRequest): string {
  return `${req.origin}/v1/titles/${encodeURIComponent(req.titleId)}`;
}

export function steeringUrl(req: PlayerRequest, protocol: SteeringProtocol): string {
  return `${titleBase(req)}/steering/${protocol}`;
}

export function mediaPlaylistUrl(req: PlayerRequest, applianceId: string, streamId: string): string {
  return `${titleBase(req)}/hls/${encodeURIComponent(applianceId)}/${encodeURIComponent(streamId)}.m3u8`;
}

export function hlsMultivariant(opts: PlayersOptions, req: PlayerRequest): string {
  const { rungs, pathways } = titlePathways(opts.steering, { ...req, count: true });
  return multivariantPlaylist({
    steeringUri: steeringUrl(req, 'hls'),
    defaultPathway: pathways[0]!.applianceId,
    variants: pathways.flatMap((p) =>
      rungs.map((stream) => ({
        stream,
        pathwayId: p.applianceId,
        uri: mediaPlaylistUrl(req, p.applianceId, stream.streamId),
      })),
    ),
  });
}

export function hlsMedia(
  opts: PlayersOptions,
  req: PlayerRequest & { applianceId: string; streamId: string },
): string {
  const { ranking, stream, appliance } = rungOn(opts.steering, { ...req, count: false });
  return mediaPlaylist({ stream, url: contentUrl(ranking, appliance.url, stream.streamId) });
}

export function dashMpd(opts: PlayersOptions, req: PlayerRequest): string {
  const { ranking, rungs, pathways } = titlePathways(opts.steering, { ...req, count: true });
  return mpd({
    durationSec: ranking.title.durationSec,
    locations: pathways.map((p) => ({ id: p.applianceId, baseUrl: contentRoot(p.url) })),
    steeringUrl: steeringUrl(req, 'dash'),
    representations: rungs.map((stream) => ({ stream, relativeUrl: contentPath(ranking, stream.streamId) })),
  });
}

/** The current ranking: an appliance control no longer steers to has left the list. */
export function steering(opts: PlayersOptions, req: PlayerRequest, protocol: SteeringProtocol): string {
  const { pathways } = titlePathways(opts.steering, { ...req, count: false });
  return steeringManifest({
    protocol,
    ttlSec: opts.steeringTtlSec,
    reloadUri: steeringUrl(req, protocol),
    priority: pathways.map((p) => p.applianceId),
  });
}
