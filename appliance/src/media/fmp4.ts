// Reads the layout of a single-track fragmented MP4 (CMAF) file: where the initialization
// segment (ftyp + moov) ends, each fragment's byte range and duration, the track's RFC 6381
// codecs string and picture size. Box payload layouts are ISO/IEC 14496-12 (mdhd, trex,
// tfhd, trun, stsd/VisualSampleEntry) and ISO/IEC 14496-15 (avcC). Wire format only: bytes
// come through a ReadAt, and only moov and each moof are read whole, never an mdat.

import { avcCodecsString } from './avc.js';
import {
  type Box,
  bufferReader,
  childBoxes,
  findChild,
  findPath,
  Mp4Error,
  type ReadAt,
  u32,
  walkBoxes,
} from './boxes.js';

export interface Fragment {
  /** First byte (the styp, or the moof when there is no styp). */
  start: number;
  length: number;
  /** Sum of the fragment's sample durations, in the track's timescale. */
  duration: number;
  /** tfdt baseMediaDecodeTime: decode time of its first sample, in the timescale. */
  decodeTime: number;
}

export interface FragmentedMp4 {
  /** Bytes of ftyp + moov (and anything else before the first fragment). */
  initLength: number;
  /** mdhd timescale of the track: ticks per second. */
  timescale: number;
  /** e.g. `avc1.64001e`. */
  codecs: string;
  width: number;
  height: number;
  fragments: Fragment[];
}

const TFHD_BASE_DATA_OFFSET = 0x01;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x02;
const TFHD_DEFAULT_SAMPLE_DURATION = 0x08;
const TRUN_DATA_OFFSET = 0x01;
const TRUN_FIRST_SAMPLE_FLAGS = 0x04;
const TRUN_SAMPLE_DURATION = 0x100;
const TRUN_SAMPLE_SIZE = 0x200;
const TRUN_SAMPLE_FLAGS = 0x400;
const TRUN_SAMPLE_CTO = 0x800;
/** VisualSampleEntry fields before its child boxes (avcC): 14496-12 section 12.1.3. */
const VISUAL_SAMPLE_ENTRY_FIELDS = 78;

function need(buf: Uint8Array, box: Box, bytes: number): void {
  if (box.size - box.headerLength < bytes)
    throw new Mp4Error(`${box.type} box at offset ${box.start} is too short (${box.size} bytes)`);
  if (box.start + box.headerLength + bytes > buf.length)
    throw new Mp4Error(`${box.type} box at offset ${box.start} is cut short`);
}

function required(box: Box | undefined, what: string): Box {
  if (!box) throw new Mp4Error(`no ${what} box`);
  return box;
}

interface TrackInfo {
  timescale: number;
  codecs: string;
  width: number;
  height: number;
  /** trex default_sample_duration: what a fragment's samples last when tfhd and trun say nothing. */
  defaultSampleDuration: number;
}

function readTrack(moov: Uint8Array): TrackInfo {
  const moovBox = required(findPath(moov, ['moov']), 'moov');
  const traks = childBoxes(moov, moovBox).filter((b) => b.type === 'trak');
  if (traks.length !== 1) throw new Mp4Error(`expected one track (video only), found ${traks.length}`);
  const trak = traks[0] as Box;
  const mdia = required(findChild(moov, trak, 'mdia'), 'mdia');
  const hdlr = required(findChild(moov, mdia, 'hdlr'), 'hdlr');
  need(moov, hdlr, 12);
  const handler = String.fromCharCode(
    ...moov.subarray(hdlr.start + hdlr.headerLength + 8, hdlr.start + hdlr.headerLength + 12),
  );
  if (handler !== 'vide') throw new Mp4Error(`track handler is ${JSON.stringify(handler)}, expected "vide"`);

  const mdhd = required(findChild(moov, mdia, 'mdhd'), 'mdhd');
  need(moov, mdhd, 4);
  const p = mdhd.start + mdhd.headerLength;
  const version = moov[p] as number;
  // Version 1 widens creation and modification times to 64 bits.
  const tsAt = p + (version === 1 ? 20 : 12);
  need(moov, mdhd, tsAt + 4 - p);
  const timescale = u32(moov, tsAt);
  if (timescale === 0) throw new Mp4Error('mdhd timescale is 0');

  const minf = required(findChild(moov, mdia, 'minf'), 'minf');
  const stbl = required(findChild(moov, minf, 'stbl'), 'stbl');
  const stsd = required(findChild(moov, stbl, 'stsd'), 'stsd');
  // stsd is a full box (version, flags) with a 32-bit entry count before its entries.
  const entries = childBoxes(moov, stsd, 8);
  const avc1 = entries[0];
  if (avc1?.type !== 'avc1')
    throw new Mp4Error(`sample entry is ${avc1 ? avc1.type : 'missing'}, expected avc1 (H.264)`);
  need(moov, avc1, VISUAL_SAMPLE_ENTRY_FIELDS);
  const e = avc1.start + avc1.headerLength;
  const width = ((moov[e + 24] as number) << 8) | (moov[e + 25] as number);
  const height = ((moov[e + 26] as number) << 8) | (moov[e + 27] as number);
  const avcC = required(findChild(moov, avc1, 'avcC', VISUAL_SAMPLE_ENTRY_FIELDS), 'avcC');
  need(moov, avcC, 4);
  const codecs = avcCodecsString(moov.subarray(avcC.start + avcC.headerLength, avcC.start + avcC.size));

  let defaultSampleDuration = 0;
  const mvex = findChild(moov, moovBox, 'mvex');
  const trex = mvex ? findChild(moov, mvex, 'trex') : undefined;
  if (trex) {
    need(moov, trex, 16);
    defaultSampleDuration = u32(moov, trex.start + trex.headerLength + 12);
  }
  return { timescale, codecs, width, height, defaultSampleDuration };
}

/** tfdt's baseMediaDecodeTime: 32 bits in version 0, 64 in version 1. */
function decodeTimeOf(moof: Uint8Array, traf: Box): number {
  const tfdt = required(findChild(moof, traf, 'tfdt'), 'tfdt');
  need(moof, tfdt, 8);
  const p = tfdt.start + tfdt.headerLength;
  if (moof[p] !== 1) return u32(moof, p + 4);
  need(moof, tfdt, 12);
  const high = u32(moof, p + 4);
  if (high >= 0x200000) throw new Mp4Error(`tfdt at offset ${tfdt.start}: decode time beyond 2^53`);
  return high * 0x1_0000_0000 + u32(moof, p + 8);
}

/**
 * Decode time and the sum of the sample durations of one moof. A single track has a single
 * traf; its runs' samples, or the tfhd / trex default duration, give the duration.
 */
function readMoof(moof: Uint8Array, trexDefault: number): { duration: number; decodeTime: number } {
  const moofBox = required(findPath(moof, ['moof']), 'moof');
  const trafs = childBoxes(moof, moofBox).filter((b) => b.type === 'traf');
  if (trafs.length !== 1) throw new Mp4Error(`${trafs.length} trafs, expected one`);
  const decodeTime = decodeTimeOf(moof, trafs[0] as Box);
  let total = 0;
  for (const traf of trafs) {
    const tfhd = required(findChild(moof, traf, 'tfhd'), 'tfhd');
    need(moof, tfhd, 8);
    const h = tfhd.start + tfhd.headerLength;
    const tfFlags = u32(moof, h) & 0xffffff;
    let at = h + 8;
    if (tfFlags & TFHD_BASE_DATA_OFFSET) at += 8;
    if (tfFlags & TFHD_SAMPLE_DESCRIPTION_INDEX) at += 4;
    let defaultDuration = trexDefault;
    if (tfFlags & TFHD_DEFAULT_SAMPLE_DURATION) {
      need(moof, tfhd, at + 4 - tfhd.start - tfhd.headerLength);
      defaultDuration = u32(moof, at);
    }
    for (const trun of childBoxes(moof, traf).filter((b) => b.type === 'trun')) {
      need(moof, trun, 8);
      const r = trun.start + trun.headerLength;
      const flags = u32(moof, r) & 0xffffff;
      const count = u32(moof, r + 4);
      let p = r + 8;
      if (flags & TRUN_DATA_OFFSET) p += 4;
      if (flags & TRUN_FIRST_SAMPLE_FLAGS) p += 4;
      const perSample =
        (flags & TRUN_SAMPLE_DURATION ? 4 : 0) +
        (flags & TRUN_SAMPLE_SIZE ? 4 : 0) +
        (flags & TRUN_SAMPLE_FLAGS ? 4 : 0) +
        (flags & TRUN_SAMPLE_CTO ? 4 : 0);
      if (p + count * perSample > trun.start + trun.size)
        throw new Mp4Error(`trun at offset ${trun.start} lists ${count} samples but is ${trun.size} bytes`);
      if (flags & TRUN_SAMPLE_DURATION) {
        for (let i = 0; i < count; i++) total += u32(moof, p + i * perSample);
      } else {
        if (defaultDuration === 0 && count > 0)
          throw new Mp4Error(`trun at offset ${trun.start} has no sample durations and no default`);
        total += count * defaultDuration;
      }
    }
  }
  return { duration: total, decodeTime };
}

/**
 * The layout of a fragmented MP4 of `fileSize` bytes. A fragment starts at a styp, or at a
 * moof that no styp precedes, and holds everything up to the next fragment, so fragments tile
 * the file from `initLength` to its end. Throws Mp4Error on any other shape.
 */
export function readFragmentedMp4(read: ReadAt, fileSize: number): FragmentedMp4 {
  const boxes = walkBoxes(read, 0, fileSize);
  if (boxes[0]?.type !== 'ftyp')
    throw new Mp4Error(`file starts with ${boxes[0]?.type ?? 'nothing'}, expected ftyp`);
  const firstFragment = boxes.findIndex((b) => b.type === 'styp' || b.type === 'moof');
  if (firstFragment < 0) throw new Mp4Error('no moof: the file is not fragmented');
  const init = boxes.slice(0, firstFragment);
  const moovBox = init.find((b) => b.type === 'moov');
  if (!moovBox) throw new Mp4Error('no moov before the first fragment');
  const track = readTrack(read(moovBox.start, moovBox.size).slice());
  const initLength = (boxes[firstFragment] as Box).start;

  const fragments: Fragment[] = [];
  let current: { start: number; moof?: Box; mdat: boolean } | undefined;
  const close = (end: number): void => {
    if (!current) return;
    if (!current.moof) throw new Mp4Error(`fragment at offset ${current.start} has no moof`);
    if (!current.mdat) throw new Mp4Error(`fragment at offset ${current.start} has no mdat`);
    const moof = read(current.moof.start, current.moof.size).slice();
    if (moof.length !== current.moof.size)
      throw new Mp4Error(`moof at offset ${current.moof.start} cut short`);
    let timing: { duration: number; decodeTime: number };
    try {
      timing = readMoof(moof, track.defaultSampleDuration);
    } catch (err) {
      // Offsets inside readMoof count from the moof; say where the moof is in the file.
      if (err instanceof Mp4Error)
        throw new Mp4Error(`in the moof at offset ${current.moof.start}: ${err.detail}`);
      throw err;
    }
    const { duration, decodeTime } = timing;
    if (duration <= 0) throw new Mp4Error(`fragment at offset ${current.start} has no samples`);
    // Each fragment starts where the previous one's samples end: no gap, no overlap.
    const previous = fragments[fragments.length - 1];
    if (previous && decodeTime !== previous.decodeTime + previous.duration)
      throw new Mp4Error(
        `fragment at offset ${current.start}: decode time ${decodeTime}, expected ${previous.decodeTime + previous.duration}`,
      );
    fragments.push({ start: current.start, length: end - current.start, duration, decodeTime });
  };
  for (let i = firstFragment; i < boxes.length; i++) {
    const b = boxes[i] as Box;
    const startsFragment = b.type === 'styp' || (b.type === 'moof' && boxes[i - 1]?.type !== 'styp');
    if (startsFragment) {
      close(b.start);
      current = { start: b.start, mdat: false };
    }
    if (!current) throw new Mp4Error(`unexpected ${b.type} box at offset ${b.start}`);
    if (b.type === 'moov' || b.type === 'ftyp') throw new Mp4Error(`${b.type} box after the first fragment`);
    if (b.type === 'moof') {
      if (current.moof) throw new Mp4Error(`second moof in the fragment at offset ${current.start}`);
      current.moof = b;
    } else if (b.type === 'mdat') {
      if (!current.moof) throw new Mp4Error(`mdat before moof at offset ${b.start}`);
      current.mdat = true;
    }
  }
  close(fileSize);
  return {
    initLength,
    timescale: track.timescale,
    codecs: track.codecs,
    width: track.width,
    height: track.height,
    fragments,
  };
}

export { bufferReader };
