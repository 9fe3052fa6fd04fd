// The real-media ladder: four H.264 rungs sized for encoding on a small machine (a 1-minute
// title takes tens of seconds on two cores at -preset superfast), low enough that a player on
// a shaped network still has somewhere to step down to. Names are what --media-ladder takes.

export interface MediaRung {
  /** `240p`: the name --media-ladder picks rungs by. */
  name: string;
  width: number;
  height: number;
  /** Target bits per second (x264 -b:v, capped by -maxrate at the same value). */
  bitrate: number;
}

export const MEDIA_LADDER: readonly MediaRung[] = [
  { name: '240p', width: 426, height: 240, bitrate: 300_000 },
  { name: '360p', width: 640, height: 360, bitrate: 700_000 },
  { name: '540p', width: 960, height: 540, bitrate: 1_400_000 },
  { name: '720p', width: 1280, height: 720, bitrate: 2_500_000 },
];

/** Frames per second of every rung; a segment is a whole number of frames. */
export const MEDIA_FPS = 30;

/** Default segment (and GOP) duration in seconds. */
export const MEDIA_SEGMENT_SECONDS = 2;

/** `t0001-v300k`: the same naming as synthetic streams (synthetic/ladder.ts). */
export function mediaStreamId(title: string, rung: MediaRung): string {
  return `${title}-v${Math.round(rung.bitrate / 1000)}k`;
}
