// catalog.json: the titles a content generator (or an origin) offers, with every stream's
// size, checksum and segment byte offsets. Control serves it to devices through steering;
// appliances and fill use the sizes and checksums to verify what they store.

/** A file id: the name of one stored file and the `{fileId}` of appliance URLs. */
export const FILE_ID_PATTERN = /^(?!\.)[A-Za-z0-9._-]{1,128}$/;

export function isValidFileId(id: unknown): id is string {
  return typeof id === 'string' && FILE_ID_PATTERN.test(id);
}

export interface CatalogSegment {
  index: number;
  /** Byte offset of the segment's first byte in the stream's file. */
  start: number;
  /** Length in bytes; segments are contiguous and cover the file exactly. */
  length: number;
  durationSec: number;
}

export type StreamKind = 'video' | 'audio';

export interface CatalogStream {
  /** Equals the file id of the stream's file. */
  streamId: string;
  kind: StreamKind;
  /** Nominal bitrate in bits per second. */
  bitrate: number;
  width?: number;
  height?: number;
  size: number;
  /** Lowercase hex sha256 of the whole file. */
  sha256: string;
  /** Nominal segment duration; the last segment may be shorter. */
  segmentDurationSec: number;
  segments: CatalogSegment[];
}

export interface CatalogTitle {
  id: string;
  name: string;
  durationSec: number;
  streams: CatalogStream[];
}

export interface Catalog {
  version: 1;
  /** ISO 8601 time of generation. */
  generatedAt: string;
  seed: string;
  titles: CatalogTitle[];
}

/** Thrown by parseCatalog; `field` is the path of the offending value, e.g. `titles[0].streams[2].size`. */
export class CatalogError extends Error {
  readonly code = 'FERRY_ERR_CATALOG_INVALID';
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`catalog ${field}: ${problem}`);
    this.name = 'CatalogError';
    this.field = field;
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new CatalogError(field, 'expected an object');
  return v as Obj;
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new CatalogError(field, 'expected an array');
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new CatalogError(field, 'expected a non-empty string');
  return v;
}

function int(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new CatalogError(field, `expected an integer >= ${min}`);
  }
  return v;
}

function positive(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new CatalogError(field, 'expected a positive number');
  }
  return v;
}

function parseSegment(
  v: unknown,
  field: string,
  expectedIndex: number,
  expectedStart: number,
): CatalogSegment {
  const o = obj(v, field);
  const index = int(o['index'], `${field}.index`, 0);
  if (index !== expectedIndex) throw new CatalogError(`${field}.index`, `expected ${expectedIndex}`);
  const start = int(o['start'], `${field}.start`, 0);
  // Contiguity is what lets a player turn a segment number into a byte range blindly.
  if (start !== expectedStart)
    throw new CatalogError(`${field}.start`, `expected ${expectedStart} (contiguous)`);
  const length = int(o['length'], `${field}.length`, 1);
  const durationSec = positive(o['durationSec'], `${field}.durationSec`);
  return { index, start, length, durationSec };
}

function parseStream(v: unknown, field: string): CatalogStream {
  const o = obj(v, field);
  const streamId = str(o['streamId'], `${field}.streamId`);
  if (!isValidFileId(streamId)) {
    throw new CatalogError(`${field}.streamId`, 'must be 1-128 of [A-Za-z0-9._-], not starting with a dot');
  }
  const kind = o['kind'];
  if (kind !== 'video' && kind !== 'audio')
    throw new CatalogError(`${field}.kind`, "expected 'video' or 'audio'");
  const bitrate = int(o['bitrate'], `${field}.bitrate`, 1);
  const size = int(o['size'], `${field}.size`, 0);
  const sha256 = str(o['sha256'], `${field}.sha256`);
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw new CatalogError(`${field}.sha256`, 'expected 64 lowercase hex digits');
  const segmentDurationSec = positive(o['segmentDurationSec'], `${field}.segmentDurationSec`);
  const rawSegments = arr(o['segments'], `${field}.segments`);
  const segments: CatalogSegment[] = [];
  let next = 0;
  rawSegments.forEach((s, i) => {
    const seg = parseSegment(s, `${field}.segments[${i}]`, i, next);
    next += seg.length;
    segments.push(seg);
  });
  if (next !== size)
    throw new CatalogError(`${field}.segments`, `lengths sum to ${next}, file size is ${size}`);
  const stream: CatalogStream = { streamId, kind, bitrate, size, sha256, segmentDurationSec, segments };
  if (o['width'] !== undefined) stream.width = int(o['width'], `${field}.width`, 1);
  if (o['height'] !== undefined) stream.height = int(o['height'], `${field}.height`, 1);
  return stream;
}

function parseTitle(v: unknown, field: string): CatalogTitle {
  const o = obj(v, field);
  const id = str(o['id'], `${field}.id`);
  const name = str(o['name'], `${field}.name`);
  const durationSec = positive(o['durationSec'], `${field}.durationSec`);
  const streams = arr(o['streams'], `${field}.streams`).map((s, i) =>
    parseStream(s, `${field}.streams[${i}]`),
  );
  return { id, name, durationSec, streams };
}

/** Checks a parsed catalog.json value; throws CatalogError naming the first bad field. */
export function parseCatalog(json: unknown): Catalog {
  const o = obj(json, '(root)');
  if (o['version'] !== 1) throw new CatalogError('version', 'expected 1');
  const generatedAt = str(o['generatedAt'], 'generatedAt');
  if (Number.isNaN(Date.parse(generatedAt)))
    throw new CatalogError('generatedAt', 'expected an ISO 8601 time');
  const seed = o['seed'];
  if (typeof seed !== 'string') throw new CatalogError('seed', 'expected a string');
  const titles = arr(o['titles'], 'titles').map((t, i) => parseTitle(t, `titles[${i}]`));
  const seenTitles = new Set<string>();
  const seenStreams = new Set<string>();
  titles.forEach((t, i) => {
    if (seenTitles.has(t.id)) throw new CatalogError(`titles[${i}].id`, `duplicate title id ${t.id}`);
    seenTitles.add(t.id);
    t.streams.forEach((s, j) => {
      // A stream id is a file id, and a file id names exactly one file.
      if (seenStreams.has(s.streamId)) {
        throw new CatalogError(`titles[${i}].streams[${j}].streamId`, `duplicate stream id ${s.streamId}`);
      }
      seenStreams.add(s.streamId);
    });
  });
  return { version: 1, generatedAt, seed, titles };
}
