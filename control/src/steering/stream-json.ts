// A steering answer is mostly the streams' segment lists (~150 KiB per title), which never
// change for a catalog entry: each stream is serialised once and the per-request part (URLs,
// expiry, prefix) is spliced in, instead of serialising the whole answer per request.
import type { CatalogStream, SteerUrl } from '@ferry/protocol';

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

/** One element of SteerResponse.streams, as JSON text. */
export function streamJson(s: CatalogStream, urls: readonly SteerUrl[]): string {
  return `${streamHead(s)},"urls":${JSON.stringify(urls)}}`;
}

/** A SteerResponse as JSON text, from streams already serialised by streamJson. */
export function answerJson(a: {
  titleId: string;
  expiresAt: number;
  clientPrefix: string;
  streams: readonly string[];
}): string {
  return `{"titleId":${JSON.stringify(a.titleId)},"expiresAt":${a.expiresAt},"clientPrefix":${JSON.stringify(a.clientPrefix)},"streams":[${a.streams.join(',')}]}`;
}
