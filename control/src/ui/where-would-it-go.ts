// "Where would this address go": steering's own ranking (steering/candidates.ts and
// rank.ts, as POST /v1/steer runs them) for a client address and a title, without signing
// a URL and without counting a decision: an operator's question is not a viewer. Without a
// title the ranking is for content every appliance holds: where the address's prefixes lead.
import { parseIp } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import { candidates, lastResortCandidates } from '../steering/candidates.js';
import { type Candidate, type RankDecision, rankAppliances } from '../steering/rank.js';
import type { SteeringOptions } from '../steering/steer.js';

export const MAX_EXPLAINED_STREAMS = 32;

export interface ExplainedStream {
  streamId: string;
  decision: RankDecision;
  reason: string;
  ranked: { applianceId: string; site: string; prefix: string; url: string }[];
}

export interface WhereAnswer {
  ip: string;
  titleId: string | null;
  /** the most specific covering prefix, null when none covers the address */
  clientPrefix: string | null;
  covering: { prefix: string; applianceIds: string[] }[];
  streams: ExplainedStream[];
  /** the title has more streams than were ranked */
  truncated: boolean;
}

const ANY_CONTENT = '(any content)';

/** Throws BAD_IP or UNKNOWN_TITLE. */
export function whereWouldItGo(opts: SteeringOptions, ip: string, titleId?: string): WhereAnswer {
  if (!parseIp(ip)) throw new FerryError(Errors.BAD_IP, `"${ip}"`);
  const { model } = opts;
  const title = titleId ? model.getTitle(titleId) : undefined;
  if (titleId && !title) throw new FerryError(Errors.UNKNOWN_TITLE, titleId);
  const covering = model.routes.covering(ip);
  let appliances = candidates(model, covering, opts.fallbackSites);
  let everyone: Candidate[] | undefined;
  let lastResort = opts.lastResort ? () => (everyone ??= lastResortCandidates(model)) : undefined;
  if (!title) {
    // Every candidate holds "the file": the answer is where the routes and health lead.
    const holdsAll = (c: Candidate): Candidate => ({ ...c, holds: () => true });
    appliances = new Map([...appliances].map(([id, c]) => [id, holdsAll(c)]));
    if (lastResort) lastResort = () => (everyone ??= lastResortCandidates(model).map(holdsAll));
  }
  const files = title ? title.streams.map((s) => s.streamId) : [ANY_CONTENT];
  const streams = files.slice(0, MAX_EXPLAINED_STREAMS).map((fileId): ExplainedStream => {
    const r = rankAppliances({
      fileId,
      covering,
      appliances,
      fallbackSites: opts.fallbackSites,
      maxUrls: opts.urlsPerStream,
      headroom: opts.headroom,
      ...(lastResort ? { lastResort } : {}),
    });
    return {
      streamId: fileId,
      decision: r.decision,
      reason: r.reason,
      ranked: r.ranked.map((a) => ({
        applianceId: a.applianceId,
        site: a.site,
        prefix: a.prefix,
        url: a.url,
      })),
    };
  });
  return {
    ip,
    titleId: title ? title.id : null,
    clientPrefix: covering[0]?.prefix ?? null,
    covering: covering.map((m) => ({ prefix: m.prefix, applianceIds: [...m.applianceIds] })),
    streams,
    truncated: files.length > streams.length,
  };
}
