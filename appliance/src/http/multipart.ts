// multipart/byteranges bodies (RFC 9110 §14.6, framing from RFC 2046 §5.1.1). Pure: returns
// the framing as small buffers and the ranges as file slices, for the body sender to write.

import { randomBytes } from 'node:crypto';
import { type ByteRange, contentRange, rangeLength } from './range.js';

/** One piece of a response body: literal bytes, or a slice of the representation's file. */
export type MultipartPart =
  | { kind: 'bytes'; data: Buffer }
  | { kind: 'file'; offset: number; length: number };

export interface MultipartOptions {
  /** Length of the whole representation, for each part's Content-Range. */
  size: number;
  /** The representation's media type, repeated in each part. */
  contentType: string;
  /** Fixed boundary (tests); a random one is drawn when absent. */
  boundary?: string;
}

export interface MultipartBody {
  /** Value for the response's Content-Type header. */
  contentType: string;
  /** Exact number of body bytes: the sum of every part's length. */
  contentLength: number;
  parts: MultipartPart[];
}

// RFC 2046 §5.1.1 allows 1–70 bchars; we keep to characters that are also tchar so the
// boundary never needs quoting in the Content-Type parameter (RFC 9110 §5.6.6).
const BOUNDARY = /^[0-9A-Za-z'+._-]{1,70}$/;
const CRLF = '\r\n';

/** A random boundary: 128 bits, so it cannot plausibly occur inside the ranges sent. */
export function randomBoundary(): string {
  return `ferry-${randomBytes(16).toString('hex')}`;
}

/**
 * Frames `ranges` (in the given order) as a multipart/byteranges body. Each body part
 * carries Content-Type and Content-Range (§14.6). Callers send a single-part 206 instead
 * when only one range is to be sent, unless they mean to send a one-part multipart.
 */
export function buildMultipart(ranges: readonly ByteRange[], opts: MultipartOptions): MultipartBody {
  if (ranges.length === 0) throw new RangeError('multipart/byteranges needs at least one range');
  if (/[^\t\x20-\x7e]/.test(opts.contentType)) throw new RangeError('content type must be printable ASCII');
  const boundary = opts.boundary ?? randomBoundary();
  if (!BOUNDARY.test(boundary)) throw new RangeError(`invalid multipart boundary: ${boundary}`);

  const parts: MultipartPart[] = [];
  ranges.forEach((r, i) => {
    if (r.start < 0 || r.end < r.start || r.end >= opts.size) {
      throw new RangeError(`range ${r.start}-${r.end} is outside a ${opts.size}-byte representation`);
    }
    // The first dash-boundary opens the body; every later one is a delimiter, whose leading
    // CRLF belongs to the boundary and not to the preceding part's data (RFC 2046 §5.1.1).
    const head =
      `${i === 0 ? '' : CRLF}--${boundary}${CRLF}` +
      `Content-Type: ${opts.contentType}${CRLF}` +
      `Content-Range: ${contentRange(r, opts.size)}${CRLF}${CRLF}`;
    parts.push({ kind: 'bytes', data: Buffer.from(head, 'latin1') });
    parts.push({ kind: 'file', offset: r.start, length: rangeLength(r) });
  });
  parts.push({ kind: 'bytes', data: Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1') });

  let contentLength = 0;
  for (const p of parts) contentLength += p.kind === 'bytes' ? p.data.length : p.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, contentLength, parts };
}
