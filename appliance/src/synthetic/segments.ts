// Segment layout of one synthetic stream. Real encoders produce variable bitrate: scene
// complexity makes some segments larger than nominal and others smaller, so players see
// uneven segment sizes; we mimic that with a deterministic +/-25% spread per segment.

import type { CatalogSegment } from '@ferry/protocol';

export interface SegmentPlanInput {
  /** Bits per second. */
  bitrate: number;
  durationSec: number;
  segmentDurationSec: number;
  /** Deterministic source in [0, 1). */
  random: () => number;
}

const VBR_SPREAD = 0.25;
/** Smallest segment: one MPEG-TS packet, so that no segment is empty. */
const MIN_SEGMENT_BYTES = 188;

/** Contiguous segments from offset 0; lengths sum to the returned file size. */
export function planSegments(input: SegmentPlanInput): { segments: CatalogSegment[]; size: number } {
  const { bitrate, durationSec, segmentDurationSec, random } = input;
  const segments: CatalogSegment[] = [];
  let start = 0;
  let elapsed = 0;
  for (let index = 0; elapsed < durationSec - 1e-9; index++) {
    // The last segment is whatever duration remains, as with a real encoder's final GOP.
    const dur = Math.min(segmentDurationSec, durationSec - elapsed);
    const nominal = (bitrate / 8) * dur;
    const factor = 1 + (random() * 2 - 1) * VBR_SPREAD;
    const length = Math.max(MIN_SEGMENT_BYTES, Math.round(nominal * factor));
    segments.push({ index, start, length, durationSec: Math.round(dur * 1000) / 1000 });
    start += length;
    elapsed += dur;
  }
  return { segments, size: start };
}
