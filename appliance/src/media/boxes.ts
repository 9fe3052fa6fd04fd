// ISO BMFF (MP4) box framing, ISO/IEC 14496-12 section 4.2: every box starts with a 32-bit
// big-endian size and a four-character type; size 1 means a 64-bit "largesize" follows the
// type, size 0 means the box runs to the end of its container. Wire format only: the bytes
// come from a reader, so a file's top level can be walked without loading its mdat payloads.

import { FerryError } from '@ferry/protocol';
import { MediaErrors } from '../errors.js';

export interface Box {
  /** Four-character code, e.g. `moof`. */
  type: string;
  /** Offset of the box's first byte (its size field) in the walked range's coordinates. */
  start: number;
  /** Bytes of size + type (+ largesize): 8 or 16. */
  headerLength: number;
  /** Whole box, header included. */
  size: number;
}

/** Reads `length` bytes at `offset`; may return fewer only at the end of the data. */
export type ReadAt = (offset: number, length: number) => Uint8Array;

export class Mp4Error extends FerryError {
  /** What is wrong, without the catalogue's message in front (for adding context). */
  readonly detail: string;

  constructor(detail: string) {
    super(MediaErrors.BAD_MP4, detail);
    this.name = 'Mp4Error';
    this.detail = detail;
  }
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number);
}

function u32(b: Uint8Array, at: number): number {
  return (
    (((b[at] as number) << 24) |
      ((b[at + 1] as number) << 16) |
      ((b[at + 2] as number) << 8) |
      (b[at + 3] as number)) >>>
    0
  );
}

/**
 * The boxes that tile [start, end) exactly, in order. Throws Mp4Error on a header cut short,
 * a size smaller than its header, a box running past `end`, or a largesize beyond 2^53.
 * `limit` bounds the count, so a hostile file of 8-byte boxes cannot exhaust memory.
 */
export function walkBoxes(read: ReadAt, start: number, end: number, limit = 1_000_000): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at < end) {
    if (boxes.length >= limit) throw new Mp4Error(`more than ${limit} boxes at offset ${start}`);
    if (end - at < 8) throw new Mp4Error(`truncated box header at offset ${at} (${end - at} bytes left)`);
    const head = read(at, Math.min(16, end - at));
    if (head.length < 8) throw new Mp4Error(`truncated box header at offset ${at}`);
    const size32 = u32(head, 0);
    const type = fourcc(head, 4);
    let size: number;
    let headerLength = 8;
    if (size32 === 1) {
      if (head.length < 16) throw new Mp4Error(`truncated largesize of ${type} box at offset ${at}`);
      const high = u32(head, 8);
      // Offsets stay exact JavaScript numbers: 2^53 bytes is far beyond any file we write.
      if (high >= 0x200000) throw new Mp4Error(`${type} box at offset ${at}: largesize beyond 2^53`);
      size = high * 0x1_0000_0000 + u32(head, 12);
      headerLength = 16;
    } else if (size32 === 0) {
      size = end - at;
    } else {
      size = size32;
    }
    if (size < headerLength)
      throw new Mp4Error(`${type} box at offset ${at}: size ${size} is smaller than its header`);
    if (at + size > end)
      throw new Mp4Error(
        `${type} box at offset ${at}: size ${size} runs past the end (${end}); file truncated?`,
      );
    boxes.push({ type, start: at, headerLength, size });
    at += size;
  }
  return boxes;
}

/** A reader over bytes already in memory. */
export function bufferReader(buf: Uint8Array): ReadAt {
  return (offset, length) => buf.subarray(offset, Math.min(buf.length, offset + length));
}

/** The children of a container box held in `buf` (the box itself starting at `box.start`). */
export function childBoxes(buf: Uint8Array, box: Box, skip = 0): Box[] {
  return walkBoxes(bufferReader(buf), box.start + box.headerLength + skip, box.start + box.size);
}

/** The first child of `box` of the given type, or undefined. */
export function findChild(buf: Uint8Array, box: Box, type: string, skip = 0): Box | undefined {
  return childBoxes(buf, box, skip).find((b) => b.type === type);
}

/** Follows a path of container types from the top level of `buf`, e.g. ['moov', 'trak']. */
export function findPath(buf: Uint8Array, path: readonly string[]): Box | undefined {
  let boxes = walkBoxes(bufferReader(buf), 0, buf.length);
  let found: Box | undefined;
  for (let i = 0; i < path.length; i++) {
    found = boxes.find((b) => b.type === path[i]);
    if (!found) return undefined;
    // Only containers are opened: a leaf's payload is not a list of boxes.
    if (i < path.length - 1) boxes = childBoxes(buf, found);
  }
  return found;
}

export { fourcc, u32 };
