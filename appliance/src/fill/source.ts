// What a download reads from: one source of a manifest file, opened at an offset. Peers and
// parents are data-plane URLs (http-source.ts), the origin an S3 bucket or a directory
// (origin-source.ts). Every body is a pull stream (a Node Readable iterated one chunk at a
// time), so a download that waits for its rate tokens leaves the bytes in the socket and
// TCP slows the sender down: real backpressure, not a buffer that fills.
import type { FillSource, ManifestFile } from '@ferry/protocol';

export interface OpenedSource {
  /**
   * Where the body starts in the file: the offset asked for when the source honoured the
   * range, 0 when it sends the whole file instead (the partial is then started over).
   */
  start: number;
  body: AsyncIterable<Uint8Array>;
}

export interface SourceOpener {
  open(source: FillSource, file: ManifestFile, from: number, signal: AbortSignal): Promise<OpenedSource>;
  close(): Promise<void>;
}

/** How a source is named in reports, logs and `fill.corrupt`: `peer:oca-2`, `origin`. */
export function sourceName(s: FillSource): string {
  return s.kind === 'origin' ? 'origin' : `${s.kind}:${s.applianceId}`.slice(0, 128);
}

/** A failure of one source; the message says what went wrong there, for reports. */
export class SourceError extends Error {
  override name = 'SourceError';
}

/** `bytes FIRST-LAST/TOTAL` (RFC 9110 section 14.4), or null. */
export function parseContentRange(
  v: string | undefined,
): { first: number; last: number; total: number } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(v?.trim() ?? '');
  if (!m) return null;
  const [first, last, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return first <= last && last < total ? { first, last, total } : null;
}

/**
 * The start of a body a source answered a request `from` an offset with: the range it
 * says it sends must be the rest of a file of the manifest's size, or the whole file.
 */
export function checkedStart(
  file: ManifestFile,
  from: number,
  answer: { partial: boolean; contentRange?: string; length?: number },
): number {
  if (answer.partial) {
    const r = parseContentRange(answer.contentRange);
    if (!r) throw new SourceError(`a partial answer without a valid Content-Range (${answer.contentRange})`);
    if (r.total !== file.size)
      throw new SourceError(`the source's file has ${r.total} bytes, expected ${file.size}`);
    if (r.first !== from || r.last !== file.size - 1)
      throw new SourceError(`asked for bytes ${from}-, got ${r.first}-${r.last}`);
    return from;
  }
  if (answer.length !== undefined && answer.length !== file.size)
    throw new SourceError(`the source's file has ${answer.length} bytes, expected ${file.size}`);
  return 0;
}
