// Byte ranges a standard manifest names for one real-media stream (docs/players.md): the
// init segment is bytes [0, initLength); segment 0 of the catalog starts at byte 0 and so
// holds the init too, which a manifest leaves out of its first media segment.
import type { CatalogStream } from '@ferry/protocol';

export interface MediaSegment {
  /** first byte in the stream's file */
  offset: number;
  length: number;
  durationSec: number;
}

/** A video stream that standard players can play: it names its codecs and init segment. */
export interface MediaStream extends CatalogStream {
  codecs: string;
  initLength: number;
}

export function isMediaStream(s: CatalogStream): s is MediaStream {
  return s.codecs !== undefined && s.initLength !== undefined;
}

export function mediaSegments(s: MediaStream): MediaSegment[] {
  return s.segments.map((g, i) => {
    const offset = i === 0 ? s.initLength : g.start;
    return { offset, length: g.start + g.length - offset, durationSec: g.durationSec };
  });
}

/**
 * Peak and average bit rate over the media segments (HLS BANDWIDTH / AVERAGE-BANDWIDTH, DASH
 * @bandwidth): the peak counts segment 0 with the init it carries, as a player fetches both.
 */
export function bitRates(s: MediaStream): { peak: number; average: number } {
  let peak = 0;
  let seconds = 0;
  for (const g of s.segments) {
    peak = Math.max(peak, (g.length * 8) / g.durationSec);
    seconds += g.durationSec;
  }
  const average = seconds > 0 ? (s.size * 8) / seconds : s.bitrate;
  return { peak: Math.ceil(Math.max(peak, average)), average: Math.ceil(average) };
}
