// catalog.json: the titles a content generator (or an origin) offers, with every stream's
// size, checksum and segment byte offsets. Control serves it to devices through steering;
// appliances and fill use the sizes and checksums to verify what they store. The shapes are
// schemas (catalog-schema.ts); this file adds the checks across fields.
import { Compile } from 'typebox/compile';
import {
  Catalog,
  type CatalogSegment,
  type CatalogStream,
  type CatalogTitle,
  FILE_ID_PATTERN,
} from './catalog-schema.js';

export * from './catalog-schema.js';

export function isValidFileId(id: unknown): id is string {
  return typeof id === 'string' && FILE_ID_PATTERN.test(id);
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

// Compiled once: a 200-title catalog has half a million segments to check.
const checker = Compile(Catalog);

/** `/titles/0/streams/2/size` → `titles[0].streams[2].size` (the path CatalogError names). */
function fieldOf(pointer: string): string {
  if (pointer === '') return '(root)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function schemaError(json: unknown): CatalogError {
  for (const e of checker.Errors(json)) {
    const params = e.params as { requiredProperties?: string[] };
    if (e.keyword === 'required' && params.requiredProperties?.[0] !== undefined) {
      const parent = fieldOf(e.instancePath);
      const name = params.requiredProperties[0];
      return new CatalogError(parent === '(root)' ? name : `${parent}.${name}`, 'is required');
    }
    return new CatalogError(fieldOf(e.instancePath), e.message);
  }
  return new CatalogError('(root)', 'does not match the catalog schema');
}

function copySegments(segments: readonly CatalogSegment[], field: string, size: number): CatalogSegment[] {
  const out: CatalogSegment[] = new Array(segments.length);
  let next = 0;
  for (let i = 0; i < segments.length; i++) {
    const g = segments[i] as CatalogSegment;
    if (g.index !== i) throw new CatalogError(`${field}[${i}].index`, `expected ${i}`);
    // Contiguity is what lets a player turn a segment number into a byte range blindly.
    if (g.start !== next) throw new CatalogError(`${field}[${i}].start`, `expected ${next} (contiguous)`);
    next += g.length;
    out[i] = { index: g.index, start: g.start, length: g.length, durationSec: g.durationSec };
  }
  if (next !== size) throw new CatalogError(field, `lengths sum to ${next}, file size is ${size}`);
  return out;
}

// Copies only the catalog's own fields, so what control stores and serves is exactly the
// contract whatever else the file carried.
function copyStream(s: CatalogStream, field: string): CatalogStream {
  const segments = copySegments(s.segments, `${field}.segments`, s.size);
  const stream: CatalogStream = {
    streamId: s.streamId,
    kind: s.kind,
    bitrate: s.bitrate,
    size: s.size,
    sha256: s.sha256,
    segmentDurationSec: s.segmentDurationSec,
    segments,
  };
  if (s.width !== undefined) stream.width = s.width;
  if (s.height !== undefined) stream.height = s.height;
  if (s.popularity !== undefined) stream.popularity = s.popularity;
  if ((s.codecs === undefined) !== (s.initLength === undefined))
    throw new CatalogError(field, 'codecs and initLength go together (real media) or not at all');
  if (s.codecs !== undefined && s.initLength !== undefined) {
    const first = segments[0];
    if (!first || s.initLength >= first.length)
      throw new CatalogError(`${field}.initLength`, 'must be shorter than segment 0, which holds it');
    stream.codecs = s.codecs;
    stream.initLength = s.initLength;
  }
  return stream;
}

/** Checks a parsed catalog.json value; throws CatalogError naming the first bad field. */
export function parseCatalog(json: unknown): Catalog {
  if (!checker.Check(json)) throw schemaError(json);
  if (Number.isNaN(Date.parse(json.generatedAt)))
    throw new CatalogError('generatedAt', 'expected an ISO 8601 time');
  const seenTitles = new Set<string>();
  const seenStreams = new Set<string>();
  const titles = json.titles.map((t, i): CatalogTitle => {
    if (seenTitles.has(t.id)) throw new CatalogError(`titles[${i}].id`, `duplicate title id ${t.id}`);
    seenTitles.add(t.id);
    const streams = t.streams.map((s, j) => {
      const field = `titles[${i}].streams[${j}]`;
      const stream = copyStream(s, field);
      // A stream id is a file id, and a file id names exactly one file.
      if (seenStreams.has(s.streamId))
        throw new CatalogError(`${field}.streamId`, `duplicate stream id ${s.streamId}`);
      seenStreams.add(s.streamId);
      return stream;
    });
    return { id: t.id, name: t.name, durationSec: t.durationSec, streams };
  });
  return { version: 1, generatedAt: json.generatedAt, seed: json.seed, titles };
}
