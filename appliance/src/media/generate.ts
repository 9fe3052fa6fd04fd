// Real-media titles: for each title, one fragmented MP4 (CMAF) file per ladder rung, encoded
// by ffmpeg one rung after another, then read back box by box to describe it in the same
// catalog.json layout synthetic content uses (one file per stream, contiguous segments from
// byte 0), plus the stream's codecs and init length. So `ferry content add`, `ferry origin
// upload` and control's catalog ingest take it unchanged.

import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, CatalogSegment, CatalogStream, CatalogTitle } from '@ferry/protocol';
import { FerryError, parseCatalog, seededRandom } from '@ferry/protocol';
import { MediaErrors } from '../errors.js';
import { fsyncDir, tempPathFor, writeFileAtomic } from '../store/atomic.js';
import { titleId } from '../synthetic/ladder.js';
import { Mp4Error } from './boxes.js';
import { encodeArgs } from './encode.js';
import { runFfmpeg } from './ffmpeg.js';
import { fdReader, sha256OfFd } from './file-reader.js';
import { type FragmentedMp4, readFragmentedMp4 } from './fmp4.js';
import { MEDIA_FPS, MEDIA_LADDER, MEDIA_SEGMENT_SECONDS, type MediaRung, mediaStreamId } from './ladder.js';

export interface MediaGenerateOptions {
  out: string;
  titles: number;
  /** Duration of each title in seconds; give this or `minutes`. Rounded to whole frames. */
  seconds?: number;
  /** Duration of each title in minutes (fractions allowed); give this or `seconds`. */
  minutes?: number;
  seed: string;
  /** Rung names from MEDIA_LADDER (`240p`, `360p`, ...); all of them when absent. */
  ladder?: readonly string[];
  /** Segment and GOP duration in seconds, a whole number of frames; default 2. */
  segmentSeconds?: number;
  /** x264 threads per encode; default 2. */
  threads?: number;
  /** ffmpeg binary; default `FERRY_FFMPEG` or `ffmpeg` on PATH. */
  ffmpegPath?: string;
}

function badOption(message: string): FerryError {
  return new FerryError(MediaErrors.BAD_OPTION, message, { replaceMessage: true });
}

function pickRungs(names: readonly string[] | undefined): MediaRung[] {
  if (names === undefined || names.length === 0) return [...MEDIA_LADDER];
  const picked: MediaRung[] = [];
  for (const name of names) {
    const rung = MEDIA_LADDER.find((r) => r.name === name);
    if (!rung)
      throw badOption(
        `unknown rung ${JSON.stringify(name)}; the ladder is ${MEDIA_LADDER.map((r) => r.name).join(', ')}`,
      );
    if (!picked.includes(rung)) picked.push(rung);
  }
  // Lowest first, as in the full ladder, whatever order they were named in.
  return picked.sort((a, b) => a.bitrate - b.bitrate);
}

function titleSeconds(opts: MediaGenerateOptions): number {
  if ((opts.seconds === undefined) === (opts.minutes === undefined))
    throw badOption('give exactly one of seconds and minutes');
  const seconds = opts.seconds ?? (opts.minutes as number) * 60;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 24 * 3600)
    throw badOption(`title duration must be more than 0 s and at most 24 h, got ${seconds} s`);
  return seconds;
}

/** Rounds to milliseconds without float residue (2.0000000001 → 2). */
function ms(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/**
 * Segment k of the catalog is fragment k, except that segment 0 starts at byte 0 and so
 * holds the init segment too. Durations are rounded on the running total, so they sum to
 * the title's duration exactly however each one rounds.
 */
function segmentsOf(mp4: FragmentedMp4): CatalogSegment[] {
  let ticks = 0;
  let previous = 0;
  return mp4.fragments.map((f, index) => {
    ticks += f.duration;
    const boundary = ms(ticks / mp4.timescale);
    const durationSec = ms(boundary - previous);
    previous = boundary;
    const start = index === 0 ? 0 : f.start;
    const length = index === 0 ? mp4.initLength + f.length : f.length;
    return { index, start, length, durationSec };
  });
}

interface EncodedRung {
  stream: CatalogStream;
  totalSec: number;
}

async function encodeRung(
  id: string,
  rung: MediaRung,
  frames: number,
  gop: number,
  hue: number,
  opts: MediaGenerateOptions,
): Promise<EncodedRung> {
  const streamId = mediaStreamId(id, rung);
  const path = join(opts.out, streamId);
  const temp = tempPathFor(path);
  try {
    // Generous: superfast encodes these sizes several times faster than real time on one core.
    const timeoutMs = 60_000 + (frames / MEDIA_FPS) * 5_000;
    await runFfmpeg(
      encodeArgs({ rung, frames, fps: MEDIA_FPS, gop, hue, threads: opts.threads ?? 2, out: temp }),
      { ffmpegPath: opts.ffmpegPath, timeoutMs },
    );
    const fd = openSync(temp, 'r');
    let mp4: FragmentedMp4;
    let sha256: string;
    let size: number;
    try {
      size = fstatSync(fd).size;
      try {
        mp4 = readFragmentedMp4(fdReader(fd), size);
      } catch (err) {
        if (err instanceof Mp4Error) throw new Mp4Error(`${streamId} (written by ffmpeg): ${err.detail}`);
        throw err;
      }
      sha256 = sha256OfFd(fd, size);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (mp4.width !== rung.width || mp4.height !== rung.height)
      throw new Mp4Error(
        `${streamId}: picture is ${mp4.width}x${mp4.height}, expected ${rung.width}x${rung.height}`,
      );
    const expected = Math.ceil(frames / gop);
    if (mp4.fragments.length !== expected)
      throw new Mp4Error(
        `${streamId}: ${mp4.fragments.length} fragments, expected ${expected} (one per ${gop}-frame GOP)`,
      );
    const segments = segmentsOf(mp4);
    // HLS BANDWIDTH must be at least the peak segment bitrate; ABR players pick by it. A short
    // last fragment is left out unless it is the only one: a lone keyframe over a few frames
    // would report a rate no stretch of playback ever needs.
    const full = mp4.fragments.filter((f, i) => i === 0 || f.duration * MEDIA_FPS >= gop * mp4.timescale);
    const peak = full.reduce((max, f) => Math.max(max, (f.length * 8 * mp4.timescale) / f.duration), 0);
    const totalTicks = mp4.fragments.reduce((n, f) => n + f.duration, 0);
    renameSync(temp, path);
    const stream: CatalogStream = {
      streamId,
      kind: 'video',
      bitrate: Math.ceil(peak),
      width: mp4.width,
      height: mp4.height,
      size,
      sha256,
      segmentDurationSec: ms(gop / MEDIA_FPS),
      segments,
      codecs: mp4.codecs,
      initLength: mp4.initLength,
    };
    return { stream, totalSec: totalTicks / mp4.timescale };
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

async function generateTitle(
  index: number,
  rungs: readonly MediaRung[],
  frames: number,
  gop: number,
  opts: MediaGenerateOptions,
): Promise<CatalogTitle> {
  const id = titleId(index);
  const hue = Math.floor(seededRandom(`${opts.seed}|${id}|hue`)() * 360);
  const streams: CatalogStream[] = [];
  let totalSec = 0;
  // One rung after another: two cores are shared with everything else on the machine.
  for (const rung of rungs) {
    const encoded = await encodeRung(id, rung, frames, gop, hue, opts);
    totalSec = encoded.totalSec;
    streams.push(encoded.stream);
  }
  if (Math.abs(totalSec - frames / MEDIA_FPS) > 0.5 / MEDIA_FPS)
    throw new Mp4Error(`${id}: fragments last ${totalSec} s, expected ${frames / MEDIA_FPS} s`);
  // Players switch rungs at segment boundaries, so every rung must share them.
  const boundaries = JSON.stringify(streams[0]?.segments.map((s) => s.durationSec));
  for (const s of streams) {
    if (JSON.stringify(s.segments.map((g) => g.durationSec)) !== boundaries)
      throw new Mp4Error(`${s.streamId}: segment durations differ from ${streams[0]?.streamId}'s`);
  }
  return { id, name: `Test Pattern ${index + 1} (hue ${hue})`, durationSec: ms(frames / MEDIA_FPS), streams };
}

/**
 * Encodes `titles` titles of real H.264 video (video only) into `out`, one fragmented MP4
 * per rung, writes `out/catalog.json` last and returns the catalog (as parseCatalog reads it).
 */
export async function generateMediaContent(opts: MediaGenerateOptions): Promise<Catalog> {
  if (!Number.isSafeInteger(opts.titles) || opts.titles < 1 || opts.titles > 9999)
    throw badOption('titles must be an integer from 1 to 9999');
  const seconds = titleSeconds(opts);
  const rungs = pickRungs(opts.ladder);
  const segmentSeconds = opts.segmentSeconds ?? MEDIA_SEGMENT_SECONDS;
  const gop = Math.round(segmentSeconds * MEDIA_FPS);
  if (
    !Number.isFinite(segmentSeconds) ||
    gop < 1 ||
    Math.abs(gop - segmentSeconds * MEDIA_FPS) > 1e-6 ||
    segmentSeconds > 60
  )
    throw badOption(`segment duration must be a whole number of frames at ${MEDIA_FPS} fps, at most 60 s`);
  if (
    opts.threads !== undefined &&
    (!Number.isSafeInteger(opts.threads) || opts.threads < 1 || opts.threads > 64)
  )
    throw badOption('threads must be an integer from 1 to 64');
  const frames = Math.max(1, Math.round(seconds * MEDIA_FPS));
  mkdirSync(opts.out, { recursive: true });
  const titles: CatalogTitle[] = [];
  for (let i = 0; i < opts.titles; i++) titles.push(await generateTitle(i, rungs, frames, gop, opts));
  // The data files are durable before the catalog that points at them is published.
  fsyncDir(opts.out);
  const catalog: Catalog = { version: 1, generatedAt: new Date().toISOString(), seed: opts.seed, titles };
  // The contract's own check, before anything reads the file.
  parseCatalog(catalog);
  writeFileAtomic(join(opts.out, 'catalog.json'), `${JSON.stringify(catalog)}\n`);
  return catalog;
}
