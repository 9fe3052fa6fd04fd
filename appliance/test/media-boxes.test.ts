// The MP4 box walker on hand-made buffers: 32-bit sizes, 64-bit largesize, size 0 (to the
// end), and every way a file can be cut short or lie about its sizes.
import { isFerryError } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { MediaErrors } from '../src/errors.js';
import { avcCodecsString } from '../src/media/avc.js';
import { bufferReader, Mp4Error, walkBoxes } from '../src/media/boxes.js';
import { readFragmentedMp4 } from '../src/media/fmp4.js';

function box(type: string, payload: Uint8Array | number = 0): Buffer {
  const body = typeof payload === 'number' ? Buffer.alloc(payload) : Buffer.from(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function largeBox(type: string, payloadLength: number): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(1, 0);
  head.write(type, 4, 'latin1');
  head.writeBigUInt64BE(BigInt(16 + payloadLength), 8);
  return Buffer.concat([head, Buffer.alloc(payloadLength)]);
}

function walk(buf: Buffer) {
  return walkBoxes(bufferReader(buf), 0, buf.length);
}

function expectMp4Error(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Mp4Error);
    expect(isFerryError(err, MediaErrors.BAD_MP4)).toBe(true);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an Mp4Error');
}

describe('walkBoxes', () => {
  it('walks 32-bit boxes in order with their offsets and sizes', () => {
    const buf = Buffer.concat([box('ftyp', 12), box('moov', 100), box('moof', 30), box('mdat', 1000)]);
    expect(walk(buf)).toEqual([
      { type: 'ftyp', start: 0, headerLength: 8, size: 20 },
      { type: 'moov', start: 20, headerLength: 8, size: 108 },
      { type: 'moof', start: 128, headerLength: 8, size: 38 },
      { type: 'mdat', start: 166, headerLength: 8, size: 1008 },
    ]);
  });

  it('reads a 64-bit largesize', () => {
    const buf = Buffer.concat([box('ftyp', 4), largeBox('mdat', 40), box('free')]);
    expect(walk(buf)).toEqual([
      { type: 'ftyp', start: 0, headerLength: 8, size: 12 },
      { type: 'mdat', start: 12, headerLength: 16, size: 56 },
      { type: 'free', start: 68, headerLength: 8, size: 8 },
    ]);
  });

  it('takes size 0 as running to the end', () => {
    const zero = box('mdat', 50);
    zero.writeUInt32BE(0, 0);
    const buf = Buffer.concat([box('ftyp', 4), zero]);
    expect(walk(buf)[1]).toEqual({ type: 'mdat', start: 12, headerLength: 8, size: 58 });
  });

  it('walks a sub-range (a container’s children)', () => {
    const inner = Buffer.concat([box('mvhd', 4), box('trak', 8)]);
    const buf = box('moov', inner);
    expect(walkBoxes(bufferReader(buf), 8, buf.length).map((b) => [b.type, b.start])).toEqual([
      ['mvhd', 8],
      ['trak', 20],
    ]);
  });

  it('rejects a box that runs past the end (a truncated file)', () => {
    const buf = Buffer.concat([box('ftyp', 4), box('mdat', 100)]).subarray(0, 60);
    expectMp4Error(() => walk(buf), /mdat box at offset 12: size 108 runs past the end \(60\)/);
  });

  it('rejects a header cut short', () => {
    const buf = Buffer.concat([box('ftyp', 4), Buffer.from([0, 0, 0, 9, 0x6d])]);
    expectMp4Error(() => walk(buf), /truncated box header at offset 12 \(5 bytes left\)/);
  });

  it('rejects a largesize cut short', () => {
    const buf = largeBox('mdat', 0).subarray(0, 12);
    expectMp4Error(() => walk(buf), /truncated largesize of mdat box at offset 0/);
  });

  it('rejects sizes smaller than the header, and largesizes beyond 2^53', () => {
    const small = box('free', 8);
    small.writeUInt32BE(5, 0);
    expectMp4Error(() => walk(small), /size 5 is smaller than its header/);
    const huge = largeBox('mdat', 0);
    huge.writeBigUInt64BE(1n << 60n, 8);
    expectMp4Error(() => walk(huge), /largesize beyond 2\^53/);
    const tinyLarge = largeBox('mdat', 0);
    tinyLarge.writeBigUInt64BE(12n, 8);
    expectMp4Error(() => walk(tinyLarge), /size 12 is smaller than its header/);
  });

  it('bounds the number of boxes', () => {
    const buf = Buffer.concat(Array.from({ length: 20 }, () => box('free')));
    expectMp4Error(() => walkBoxes(bufferReader(buf), 0, buf.length, 10), /more than 10 boxes/);
  });
});

describe('readFragmentedMp4 shape checks', () => {
  it('names what is wrong with a file that is not a fragmented MP4', () => {
    const read = (b: Buffer) => readFragmentedMp4(bufferReader(b), b.length);
    expectMp4Error(() => read(Buffer.concat([box('moov', 8)])), /starts with moov, expected ftyp/);
    expectMp4Error(
      () => read(Buffer.concat([box('ftyp', 8), box('moov', 8), box('mdat', 8)])),
      /not fragmented/,
    );
    expectMp4Error(
      () => read(Buffer.concat([box('ftyp', 8), box('moof', 8)])),
      /no moov before the first fragment/,
    );
    expectMp4Error(
      () => read(Buffer.concat([box('ftyp', 8), box('moov', box('mvhd', 8)), box('moof', 8)])),
      /expected one track/,
    );
  });
});

describe('avcCodecsString', () => {
  it('is avc1 followed by profile, constraint flags and level in hex', () => {
    expect(avcCodecsString(Uint8Array.from([1, 0x64, 0x00, 0x1f, 0xff]))).toBe('avc1.64001f');
    expect(avcCodecsString(Uint8Array.from([1, 0x42, 0xc0, 0x0d]))).toBe('avc1.42c00d');
    expectMp4Error(() => avcCodecsString(Uint8Array.from([1, 0x64])), /at least 4/);
    expectMp4Error(() => avcCodecsString(Uint8Array.from([2, 0x64, 0, 0x1f])), /configurationVersion is 2/);
  });
});
