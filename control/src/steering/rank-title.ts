// One title's ranking for one client (DESIGN flow 1), shared by POST /v1/steer and the
// players' manifests (players/): the client's address → covering prefixes from the model's
// route trie → candidates → rankAppliances per stream, plus what signing a URL needs (the
// client's prefix, the expiry, one key for the whole answer). Reads the in-memory model only.
import type { CatalogStream, CatalogTitle, KeyEntry } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import { candidates, lastResortCandidates } from './candidates.js';
import { type Candidate, type RankedAppliance, rankAppliances } from './rank.js';
import { contentRoot, signedPath } from './sign.js';
import type { SteeringOptions } from './steer.js';

export interface RankTitleQuery {
  titleId: string;
  /** the client's address as ClientAddressResolver settled it */
  client: string;
  nowMs?: number;
  /** only these streams (default: all of the title's) */
  streams?: (s: CatalogStream) => boolean;
  /** ranked appliances kept per stream (default: opts.urlsPerStream) */
  maxUrls?: number;
  /**
   * Report decisions, content misses and `none` through the options' hooks (default true).
   * A player's periodic steering reload is not a new viewer: it is not counted again.
   */
  count?: boolean;
}

export interface RankedStream {
  stream: CatalogStream;
  /** best first; never empty (a stream with nowhere to go throws NO_APPLIANCE) */
  ranked: RankedAppliance[];
}

export interface TitleRanking {
  title: CatalogTitle;
  /** the most specific covering prefix, '' when none covers the client */
  clientPrefix: string;
  /** unix seconds, for every URL of the answer */
  expiresAt: number;
  /** one key for the whole answer: a player gets URLs that all verify alike */
  key: KeyEntry | undefined;
  streams: RankedStream[];
}

/** Throws FerryError UNKNOWN_TITLE, or NO_APPLIANCE when a stream has nowhere to go. */
export function rankTitle(opts: SteeringOptions, q: RankTitleQuery): TitleRanking {
  const { model } = opts;
  const title = model.getTitle(q.titleId);
  if (!title) throw new FerryError(Errors.UNKNOWN_TITLE, q.titleId);
  const covering = model.routes.covering(q.client);
  const appliances = candidates(model, covering, opts.fallbackSites);
  // Built at most once per answer, and only when a stream needs it.
  let everyone: Candidate[] | undefined;
  const lastResort = opts.lastResort ? () => (everyone ??= lastResortCandidates(model)) : undefined;
  const count = q.count ?? true;
  const streams: RankedStream[] = [];
  for (const s of title.streams) {
    if (q.streams && !q.streams(s)) continue;
    const result = rankAppliances({
      fileId: s.streamId,
      covering,
      appliances,
      fallbackSites: opts.fallbackSites,
      maxUrls: q.maxUrls ?? opts.urlsPerStream,
      headroom: opts.headroom,
      ...(lastResort ? { lastResort } : {}),
    });
    if (count) {
      opts.onDecision?.(result.decision);
      if (result.missedSites) opts.onContentMiss?.(s.streamId, s.size, result.missedSites);
    }
    if (result.ranked.length === 0) {
      if (count)
        opts.onNone?.({ client: q.client, titleId: q.titleId, streamId: s.streamId, reason: result.reason });
      throw new FerryError(Errors.NO_APPLIANCE, result.reason, { replaceMessage: true });
    }
    streams.push({ stream: s, ranked: result.ranked });
  }
  return {
    title,
    clientPrefix: covering[0]?.prefix ?? '',
    expiresAt: Math.floor((q.nowMs ?? Date.now()) / 1000) + opts.tokenTtlSec,
    key: opts.signingKey?.(),
    streams,
  };
}

/** `{fileId}` or `{fileId}?{token}` below the content root: signed when a key is in force. */
export function contentPath(r: TitleRanking, fileId: string): string {
  if (!r.key) return fileId;
  return signedPath({ fileId, key: r.key, expiresAt: r.expiresAt, clientPrefix: r.clientPrefix });
}

/** The URL of `fileId` on an appliance for this ranking. */
export function contentUrl(r: TitleRanking, baseUrl: string, fileId: string): string {
  return contentRoot(baseUrl) + contentPath(r, fileId);
}
