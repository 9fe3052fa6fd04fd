// Content URL paths (DESIGN "Appliance HTTP"): /v1/c/{fileId} and
// /v1/c/{fileId}/range/{first}-{last}. Pure; the caller passes the raw request path (the
// request-target up to "?"), not one already normalised by a URL parser, which would have
// resolved dot-segments such as "%2e%2e" before we could refuse them.

import { parseDecimal } from './range.js';

export type ContentPathError = 'BAD_FILE_ID' | 'BAD_RANGE_PATH' | 'BAD_PATH';

export type ContentPath =
  | { kind: 'file'; fileId: string; pathRange?: { start: number; end: number } }
  | { kind: 'error'; error: ContentPathError };

const PREFIX = '/v1/c/';
const FILE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const RANGE_SPEC = /^([0-9]+)-([0-9]+)$/;
// Percent-encoded ".", "/", "\" and NUL: a file id has no use for them in encoded form, and
// they are how path escapes are smuggled past a check made before decoding.
const ENCODED_PATH_CHAR = /%(?:2e|2f|5c|00)/i;
// A segment longer than this cannot decode to an id of at most 128 characters.
const MAX_SEGMENT = 3 * 128;

// Paths repeat (a player asks for many ranges of one file): good ones are remembered, up to
// a bound in count and length (~2.5 MB at most), after which the memory starts again.
// Results are shared: callers only read them.
const MAX_REMEMBERED = 10_000;
const MAX_REMEMBERED_CHARS = 256;
const remembered = new Map<string, ContentPath>();

export function parseContentPath(pathname: string): ContentPath {
  const known = remembered.get(pathname);
  if (known) return known;
  const parsed = parsePath(pathname);
  if (parsed.kind === 'file' && pathname.length <= MAX_REMEMBERED_CHARS) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(pathname, parsed);
  }
  return parsed;
}

function parsePath(pathname: string): ContentPath {
  if (!pathname.startsWith(PREFIX) || /[\0\\]/.test(pathname)) return error('BAD_PATH');
  // Split before decoding, so an encoded "/" can never create a segment (RFC 3986 §2.2).
  const segments = pathname.slice(PREFIX.length).split('/');
  const [rawId, keyword, spec] = segments;
  if (rawId === undefined) return error('BAD_PATH');
  if (segments.length === 3 ? keyword !== 'range' : segments.length !== 1) return error('BAD_PATH');

  const fileId = decodeFileId(rawId);
  if (typeof fileId !== 'string') return fileId;
  if (spec === undefined) return { kind: 'file', fileId };

  const m = RANGE_SPEC.exec(spec);
  const start = m ? parseDecimal(m[1]!) : undefined;
  const end = m ? parseDecimal(m[2]!) : undefined;
  if (start === undefined || end === undefined || start > end) return error('BAD_RANGE_PATH');
  return { kind: 'file', fileId, pathRange: { start, end } };
}

// Decode exactly once (RFC 3986 §2.4), then validate the decoded id: a "%" left over from
// double encoding, or any character outside the id alphabet, is refused.
function decodeFileId(raw: string): string | ContentPath {
  if (raw.length > MAX_SEGMENT || ENCODED_PATH_CHAR.test(raw)) return error('BAD_PATH');
  let id = raw;
  // Nothing to decode in the usual id (the alphabet needs no escapes).
  if (raw.includes('%')) {
    try {
      id = decodeURIComponent(raw);
    } catch {
      return error('BAD_PATH');
    }
  }
  if (!FILE_ID.test(id) || id.includes('..')) return error('BAD_FILE_ID');
  return id;
}

function error(e: ContentPathError): ContentPath {
  return { kind: 'error', error: e };
}
