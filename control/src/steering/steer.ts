// The steering use case (DESIGN flow 1): the client's address → covering prefixes from the
// model's route trie → candidates → rankAppliances per stream → up to N signed URLs each →
// the answer as JSON text. Reads the in-memory model only; the store is never on this path.
import type { KeyEntry, SteerUrl } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import { candidates } from './candidates.js';
import { type RankDecision, rankAppliances } from './rank.js';
import { signedUrl } from './sign.js';
import { answerJson, streamJson } from './stream-json.js';

export interface SteeringOptions {
  model: ControlModel;
  fallbackSites: string[];
  urlsPerStream: number;
  headroom: number;
  tokenTtlSec: number;
  /**
   * The key to sign with now (keys/signing-keys.ts: one every serving appliance holds);
   * without it steering hands out unsigned URLs.
   */
  signingKey?(): KeyEntry;
  /** counts each stream's decision (metrics) */
  onDecision?(decision: RankDecision): void;
  /** no appliance of the client's own network (in `sites`) holds the stream's file */
  onContentMiss?(fileId: string, sizeBytes: number, sites: readonly string[]): void;
  /** told why a stream found no appliance, before the request fails */
  onNone?(detail: { client: string; titleId: string; streamId: string; reason: string }): void;
}

export interface SteerQuery {
  titleId: string;
  /** the client's address as ClientAddressResolver settled it */
  client: string;
  nowMs?: number;
}

/**
 * A SteerResponse as JSON text; throws FerryError UNKNOWN_TITLE, or NO_APPLIANCE when a
 * stream has nowhere to go.
 */
export function steer(opts: SteeringOptions, q: SteerQuery): string {
  const { model } = opts;
  const title = model.getTitle(q.titleId);
  if (!title) throw new FerryError(Errors.UNKNOWN_TITLE, q.titleId);
  const covering = model.routes.covering(q.client);
  const clientPrefix = covering[0]?.prefix ?? '';
  const appliances = candidates(model, covering, opts.fallbackSites);
  const expiresAt = Math.floor((q.nowMs ?? Date.now()) / 1000) + opts.tokenTtlSec;
  // One key for the whole answer: a player gets URLs that all verify alike.
  const key = opts.signingKey?.();

  const streams: string[] = [];
  for (const s of title.streams) {
    const result = rankAppliances({
      fileId: s.streamId,
      covering,
      appliances,
      fallbackSites: opts.fallbackSites,
      maxUrls: opts.urlsPerStream,
      headroom: opts.headroom,
    });
    opts.onDecision?.(result.decision);
    if (result.missedSites) opts.onContentMiss?.(s.streamId, s.size, result.missedSites);
    if (result.ranked.length === 0) {
      opts.onNone?.({ client: q.client, titleId: q.titleId, streamId: s.streamId, reason: result.reason });
      throw new FerryError(Errors.NO_APPLIANCE, result.reason, { replaceMessage: true });
    }
    const urls: SteerUrl[] = result.ranked.map((r, i) => ({
      rank: i + 1,
      url: key
        ? signedUrl({
            baseUrl: r.url,
            fileId: s.streamId,
            key,
            expiresAt,
            clientPrefix,
          })
        : `${r.url.replace(/\/$/, '')}/v1/c/${s.streamId}`,
      applianceId: r.applianceId,
      site: r.site,
    }));
    streams.push(streamJson(s, urls));
  }
  return answerJson({ titleId: q.titleId, expiresAt, clientPrefix, streams });
}
