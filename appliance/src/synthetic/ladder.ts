// The bitrate ladder every synthetic title is encoded at: a typical per-title ladder for
// streaming video (low rungs for poor networks, 4K at the top) plus one stereo audio track.
// Stream ids are file ids, so players, control and appliances all name files the same way.

import type { StreamKind } from '@ferry/protocol';

export interface Rung {
  kind: StreamKind;
  /** Bits per second. */
  bitrate: number;
  width?: number;
  height?: number;
}

export const VIDEO_LADDER: readonly Rung[] = [
  { kind: 'video', bitrate: 235_000, width: 320, height: 240 },
  { kind: 'video', bitrate: 375_000, width: 384, height: 288 },
  { kind: 'video', bitrate: 750_000, width: 512, height: 384 },
  { kind: 'video', bitrate: 1_750_000, width: 1280, height: 720 },
  { kind: 'video', bitrate: 3_000_000, width: 1920, height: 1080 },
  { kind: 'video', bitrate: 5_800_000, width: 1920, height: 1080 },
  { kind: 'video', bitrate: 16_000_000, width: 3840, height: 2160 },
];

export const AUDIO_RUNG: Rung = { kind: 'audio', bitrate: 128_000 };

export const ALL_RUNGS: readonly Rung[] = [...VIDEO_LADDER, AUDIO_RUNG];

/** `t0001` for title index 0. */
export function titleId(index: number): string {
  return `t${String(index + 1).padStart(4, '0')}`;
}

/** `t0001-v3000k`, `t0001-a128k`. */
export function streamId(title: string, rung: Rung): string {
  return `${title}-${rung.kind === 'video' ? 'v' : 'a'}${Math.round(rung.bitrate / 1000)}k`;
}
