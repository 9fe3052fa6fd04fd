// The ffmpeg command line for one rung: a lavfi test pattern (testsrc2 moves every frame),
// tinted per title so titles differ, encoded with libx264 at a capped bitrate and a fixed
// GOP of exactly one segment, muxed as fragmented MP4 with one fragment per GOP. Preset
// superfast takes about half the CPU of veryfast, so a 1-minute title at the full ladder
// encodes in tens of seconds on two shared cores.

import type { MediaRung } from './ladder.js';

export interface EncodeInput {
  rung: MediaRung;
  /** Frames to encode: the title's duration times fps. */
  frames: number;
  fps: number;
  /** Frames per GOP, which is frames per segment. */
  gop: number;
  /** Hue rotation in degrees, from the seed and title. */
  hue: number;
  threads: number;
  out: string;
}

export function encodeArgs(e: EncodeInput): string[] {
  const { rung } = e;
  const seconds = e.frames / e.fps;
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    // duration a frame past the end so the source never runs short of -frames:v.
    '-i',
    `testsrc2=size=${rung.width}x${rung.height}:rate=${e.fps}:duration=${(seconds + 1 / e.fps).toFixed(4)}`,
    '-vf',
    `hue=h=${e.hue},format=yuv420p`,
    '-frames:v',
    String(e.frames),
    '-an',
    '-c:v',
    'libx264',
    '-preset',
    'superfast',
    '-profile:v',
    'high',
    '-b:v',
    String(rung.bitrate),
    '-maxrate',
    String(rung.bitrate),
    '-bufsize',
    String(rung.bitrate * 2),
    // A keyframe every `gop` frames and nowhere else: every rung has the same boundaries.
    '-g',
    String(e.gop),
    '-keyint_min',
    String(e.gop),
    '-sc_threshold',
    '0',
    '-threads',
    String(e.threads),
    '-map_metadata',
    '-1',
    '-f',
    'mp4',
    // empty_moov: the init segment holds no samples; frag_keyframe: a fragment per keyframe
    // (so per GOP); default_base_moof: offsets relative to each moof, so a fragment is
    // self-contained (CMAF); skip_trailer: no mfra index after the last fragment;
    // negative_cts_offsets: B-frame reordering as signed trun offsets (version 1), so the
    // first frame is presented at 0, and a browser's buffer starts at 0, not two frames in.
    '-movflags',
    '+frag_keyframe+empty_moov+default_base_moof+skip_trailer+negative_cts_offsets',
    e.out,
  ];
}
