// catalog.json as TypeBox schemas: the shapes and per-field limits. What a schema cannot say
// (segments contiguous and in order, lengths summing to the size, unique ids, a parseable
// time) is checked by parseCatalog (catalog.ts) after the schema passes.
import { type Static, Type } from 'typebox';

const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const NonEmpty = Type.String({ minLength: 1 });
const Positive = Type.Number({ exclusiveMinimum: 0 });

/** A file id: the name of one stored file and the `{fileId}` of appliance URLs. */
export const FILE_ID_PATTERN = /^(?!\.)[A-Za-z0-9._-]{1,128}$/;

export const CatalogSegment = Type.Object({
  index: Type.Integer({ minimum: 0, maximum: SAFE_MAX }),
  /** Byte offset of the segment's first byte in the stream's file. */
  start: Type.Integer({ minimum: 0, maximum: SAFE_MAX }),
  /** Length in bytes; segments are contiguous and cover the file exactly. */
  length: Type.Integer({ minimum: 1, maximum: SAFE_MAX }),
  durationSec: Positive,
});
export type CatalogSegment = Static<typeof CatalogSegment>;

export const StreamKind = Type.Union([Type.Literal('video'), Type.Literal('audio')]);
export type StreamKind = Static<typeof StreamKind>;

export const CatalogStream = Type.Object({
  /** Equals the file id of the stream's file. */
  streamId: Type.String({ pattern: FILE_ID_PATTERN.source }),
  kind: StreamKind,
  /** Nominal bitrate in bits per second. */
  bitrate: Type.Integer({ minimum: 1, maximum: SAFE_MAX }),
  width: Type.Optional(Type.Integer({ minimum: 1, maximum: SAFE_MAX })),
  height: Type.Optional(Type.Integer({ minimum: 1, maximum: SAFE_MAX })),
  size: Type.Integer({ minimum: 0, maximum: SAFE_MAX }),
  /** Lowercase hex sha256 of the whole file. */
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  /** Nominal segment duration; the last segment may be shorter. */
  segmentDurationSec: Positive,
  segments: Type.Array(CatalogSegment),
  /**
   * Optional initial popularity, in bytes served (any relative weights do): control's
   * placement starts from it and lets it decay like served bytes (docs/fill.md).
   */
  popularity: Type.Optional(Type.Number({ minimum: 0, maximum: 1e18 })),
  /**
   * Real media only (`ferry content generate --media`): the RFC 6381 codecs string of the
   * stream's fragmented MP4 (CMAF) file, e.g. `avc1.64001f`, which HLS CODECS and DASH
   * @codecs carry so a browser player can check it before it fetches anything.
   */
  codecs: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9.,_-]+$' })),
  /**
   * Real media only, with `codecs`: bytes of the initialization segment (ftyp + moov) at the
   * file's start. Segment 0 begins at byte 0 and so includes it; a manifest's first media
   * segment starts at `initLength` (HLS EXT-X-MAP / DASH Initialization carry the init).
   */
  initLength: Type.Optional(Type.Integer({ minimum: 1, maximum: SAFE_MAX })),
});
export type CatalogStream = Static<typeof CatalogStream>;

export const CatalogTitle = Type.Object({
  id: NonEmpty,
  name: NonEmpty,
  durationSec: Positive,
  streams: Type.Array(CatalogStream),
});
export type CatalogTitle = Static<typeof CatalogTitle>;

export const Catalog = Type.Object({
  version: Type.Literal(1),
  /** ISO 8601 time of generation. */
  generatedAt: NonEmpty,
  seed: Type.String(),
  titles: Type.Array(CatalogTitle),
});
export type Catalog = Static<typeof Catalog>;
