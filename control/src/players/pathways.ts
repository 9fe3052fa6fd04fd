// The pathways (HLS) / service locations (DASH) of one title for one client: the appliances
// control's steering ranks for this client (steering/rank-title.ts, the ranking
// POST /v1/steer gives), kept to those that can serve every rung of the video ladder, since a
// player that changes pathway expects the same ladder there.
//
// Order: by the sum of each appliance's positions in the rungs' rankings (so the client's
// own network and healthy, emptier sites come first, as for /v1/steer); ties by the position
// in the lowest rung's ranking, then by id. At most `urlsPerStream` pathways, as /v1/steer
// hands out at most that many URLs per stream.
import type { CatalogStream } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import type { RankedAppliance } from '../steering/rank.js';
import { rankTitle, type TitleRanking } from '../steering/rank-title.js';
import type { SteeringOptions } from '../steering/steer.js';
import { isMediaStream, type MediaStream } from './media-ranges.js';

export interface Pathway {
  applianceId: string;
  site: string;
  /** the appliance's base URL */
  url: string;
}

export interface TitlePathways {
  ranking: TitleRanking;
  /** the video ladder, lowest bit rate first */
  rungs: MediaStream[];
  /** best first; never empty */
  pathways: Pathway[];
}

export interface PathwayQuery {
  titleId: string;
  client: string;
  /** count the decision in steering's metrics (a new viewer, not a steering reload) */
  count: boolean;
  nowMs?: number;
}

/** Video rungs of a title that standard players can play; 409 NOT_MEDIA when there are none or some lack media fields. */
function ladder(opts: SteeringOptions, titleId: string): MediaStream[] {
  const title = opts.model.getTitle(titleId);
  if (!title) throw new FerryError(Errors.UNKNOWN_TITLE, titleId);
  const video = title.streams.filter((s: CatalogStream) => s.kind === 'video');
  const plain = video.filter((s) => !isMediaStream(s));
  if (video.length === 0 || plain.length > 0) {
    const why =
      video.length === 0
        ? `title ${titleId} has no video stream`
        : `title ${titleId}: stream(s) ${plain.map((s) => s.streamId).join(', ')} carry no codecs/initLength`;
    throw new FerryError(Errors.NOT_MEDIA, why, { replaceMessage: true });
  }
  return (video as MediaStream[]).slice().sort((a, b) => a.bitrate - b.bitrate);
}

export function titlePathways(opts: SteeringOptions, q: PathwayQuery): TitlePathways {
  const rungs = ladder(opts, q.titleId);
  const ids = new Set(rungs.map((s) => s.streamId));
  // Every eligible appliance per rung: the intersection is taken before the cut to N.
  const ranking = rankTitle(opts, {
    titleId: q.titleId,
    client: q.client,
    streams: (s) => ids.has(s.streamId),
    maxUrls: Number.MAX_SAFE_INTEGER,
    count: q.count,
    ...(q.nowMs === undefined ? {} : { nowMs: q.nowMs }),
  });
  const lowest = rungs[0]!.streamId;
  const score = new Map<string, { a: RankedAppliance; sum: number; rungs: number; first: number }>();
  for (const { stream, ranked } of ranking.streams) {
    ranked.forEach((a, i) => {
      const e = score.get(a.applianceId) ?? { a, sum: 0, rungs: 0, first: Number.MAX_SAFE_INTEGER };
      e.sum += i;
      e.rungs++;
      if (stream.streamId === lowest) e.first = i;
      score.set(a.applianceId, e);
    });
  }
  const pathways = [...score.values()]
    .filter((e) => e.rungs === rungs.length)
    .sort(
      (x, y) =>
        x.sum - y.sum ||
        x.first - y.first ||
        (x.a.applianceId < y.a.applianceId ? -1 : x.a.applianceId > y.a.applianceId ? 1 : 0),
    )
    .slice(0, Math.max(1, opts.urlsPerStream))
    .map(({ a }) => ({ applianceId: a.applianceId, site: a.site, url: a.url }));
  if (pathways.length === 0) {
    throw new FerryError(
      Errors.NO_APPLIANCE,
      `no appliance this client can be steered to holds every rung of ${q.titleId} (${rungs.map((s) => s.streamId).join(', ')})`,
      { replaceMessage: true },
    );
  }
  return { ranking, rungs, pathways };
}

/**
 * One rung on one appliance, for a media playlist: the appliance must be one control would
 * steer this client to for that stream now (ranked for it at any depth), so a playlist never
 * points at an appliance that is down, drained, disabled, or does not hold the file.
 */
export function rungOn(
  opts: SteeringOptions,
  q: PathwayQuery & { applianceId: string; streamId: string },
): { ranking: TitleRanking; stream: MediaStream; appliance: RankedAppliance } {
  const rungs = ladder(opts, q.titleId);
  const stream = rungs.find((s) => s.streamId === q.streamId);
  if (!stream) throw new FerryError(Errors.UNKNOWN_STREAM, `${q.titleId} has no video stream ${q.streamId}`);
  if (!opts.model.getAppliance(q.applianceId)) throw new FerryError(Errors.UNKNOWN_APPLIANCE, q.applianceId);
  const ranking = rankTitle(opts, {
    titleId: q.titleId,
    client: q.client,
    streams: (s) => s.streamId === q.streamId,
    maxUrls: Number.MAX_SAFE_INTEGER,
    count: q.count,
    ...(q.nowMs === undefined ? {} : { nowMs: q.nowMs }),
  });
  const appliance = ranking.streams[0]?.ranked.find((a) => a.applianceId === q.applianceId);
  if (!appliance) {
    throw new FerryError(
      Errors.NOT_A_PATHWAY,
      `control would not steer this client to ${q.applianceId} for ${q.streamId} (down, drained, disabled, full, or not holding it)`,
      { replaceMessage: true },
    );
  }
  return { ranking, stream, appliance };
}
