// The steering use case (DESIGN flow 1): the title's ranking for the client's address
// (rank-title.ts, shared with the players' manifests) → up to N signed URLs per stream → the
// answer as JSON text. Reads the in-memory model only; the store is never on this path.
import type { KeyEntry } from '@ferry/protocol';
import type { ControlModel } from '../model/model.js';
import type { RankDecision } from './rank.js';
import { contentPath, rankTitle } from './rank-title.js';
import { contentRoot } from './sign.js';
import { answerJson, streamJson, urlJson } from './stream-json.js';

export interface SteeringOptions {
  model: ControlModel;
  fallbackSites: string[];
  /**
   * With no fallback site set, a client nothing else can serve goes to any serving appliance
   * that holds the file, least loaded first (`--last-resort`, default on).
   */
  lastResort?: boolean;
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
  const r = rankTitle(opts, q);
  const streams = r.streams.map(({ stream, ranked }) => {
    // The token binds the file, expiry and prefix, not the appliance: one signature per
    // stream serves every URL of it.
    const path = contentPath(r, stream.streamId);
    const urls = ranked.map((a, i) => urlJson(i + 1, contentRoot(a.url) + path, a.applianceId, a.site));
    return streamJson(q.titleId, stream, `[${urls.join(',')}]`);
  });
  return answerJson({ titleId: q.titleId, expiresAt: r.expiresAt, clientPrefix: r.clientPrefix, streams });
}
