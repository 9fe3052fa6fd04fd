// A stream's SegmentIndex (GET /v1/titles/{titleId}/streams/{streamId}/segments): the
// segment list a steering answer leaves out. It is the same for every client and changes only
// with the catalog, so its JSON text and ETag are built once per catalog stream and a player
// (or any HTTP cache) keeps it: a revalidation with the ETag costs a 304 and no body.
import { createHash } from 'node:crypto';
import type { CatalogStream, CatalogTitle } from '@ferry/protocol';

export interface SegmentIndexText {
  /** the SegmentIndex as JSON text */
  json: string;
  /** a strong validator of `json` */
  etag: string;
}

/** How long players and caches may keep an index without asking again. */
export const SEGMENT_INDEX_MAX_AGE_SEC = 300;

const texts = new WeakMap<CatalogStream, { titleId: string; text: SegmentIndexText }>();

/** The index of `streamId` in `title`, or undefined when the title has no such stream. */
export function segmentIndexText(title: CatalogTitle, streamId: string): SegmentIndexText | undefined {
  const s = title.streams.find((x) => x.streamId === streamId);
  if (!s) return undefined;
  const held = texts.get(s);
  if (held && held.titleId === title.id) return held.text;
  const segments = s.segments.map((g) => ({
    index: g.index,
    start: g.start,
    length: g.length,
    durationSec: g.durationSec,
  }));
  const json = JSON.stringify({ titleId: title.id, streamId: s.streamId, segments });
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
  const text = { json, etag };
  texts.set(s, { titleId: title.id, text });
  return text;
}

/** Whether an If-None-Match header names `etag` (a list, weak forms and `*` included). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === opaque);
}
