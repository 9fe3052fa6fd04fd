// A steering answer's streams: what never changes for a catalog entry (id, kind, bitrate,
// size, segment count, index URL) is serialised once per stream and the per-request part
// (URLs, expiry, prefix) is spliced in, instead of serialising the whole answer per request.
// The segments themselves are not in the answer: they are the stream's SegmentIndex
// (segment-index.ts), fetched once and cached by players.
import { type CatalogStream, segmentIndexPath } from '@ferry/protocol';

// Keyed by the catalog's stream objects: a new catalog brings new objects, and the old
// entries go with them.
const heads = new WeakMap<CatalogStream, { titleId: string; head: string }>();

/** `{"streamId":…,"kind":…,"bitrate":…,"size":…,"segmentCount":…,"indexUrl":…` — all but the URLs. */
function streamHead(titleId: string, s: CatalogStream): string {
  const held = heads.get(s);
  if (held && held.titleId === titleId) return held.head;
  const body = JSON.stringify({
    streamId: s.streamId,
    kind: s.kind,
    bitrate: s.bitrate,
    size: s.size,
    segmentCount: s.segments.length,
    indexUrl: segmentIndexPath(titleId, s.streamId),
  });
  const head = body.slice(0, -1);
  heads.set(s, { titleId, head });
  return head;
}

/** One element of SteerResponse.streams, as JSON text; `urlsJson` is the `urls` array's. */
export function streamJson(titleId: string, s: CatalogStream, urlsJson: string): string {
  return `${streamHead(titleId, s)},"urls":${urlsJson}}`;
}

/** One SteerUrl as JSON text, in SteerUrl's field order (what JSON.stringify of it gives). */
export function urlJson(rank: number, url: string, applianceId: string, site: string): string {
  return `{"rank":${rank},"url":${str(url)},"applianceId":${str(applianceId)},"site":${str(site)}}`;
}

// What JSON must escape in a string: '"', '\\', control characters, and surrogates (lone ones
// are escaped). URLs, ids and site names almost never hold any; a scan of the text is cheaper
// than JSON.stringify building a copy.
function needsEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

function str(text: string): string {
  return needsEscape(text) ? JSON.stringify(text) : `"${text}"`;
}

/** A SteerResponse as JSON text, from streams already serialised by streamJson. */
export function answerJson(a: {
  titleId: string;
  expiresAt: number;
  clientPrefix: string;
  streams: readonly string[];
}): string {
  return `{"titleId":${str(a.titleId)},"expiresAt":${a.expiresAt},"clientPrefix":${str(a.clientPrefix)},"streams":[${a.streams.join(',')}]}`;
}
