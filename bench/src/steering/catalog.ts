// An in-memory catalog with the shape `ferry content generate` writes (and parseCatalog
// accepts), without generating any media bytes: the steering bench needs titles, streams
// and segment tables, never the files themselves.
import { createHash } from 'node:crypto';
import type { Catalog, CatalogStream, CatalogTitle } from '@ferry/protocol';

export interface CatalogOptions {
  readonly titles: number;
  readonly streamsPerTitle: number;
  readonly segmentsPerStream: number;
  readonly segmentDurationSec?: number;
}

// A ladder like the generator's: video rungs high to low, audio last.
const VIDEO_LADDER = [
  { bitrate: 8_000_000, width: 1920, height: 1080 },
  { bitrate: 5_000_000, width: 1920, height: 1080 },
  { bitrate: 3_000_000, width: 1280, height: 720 },
  { bitrate: 1_800_000, width: 960, height: 540 },
  { bitrate: 1_000_000, width: 768, height: 432 },
  { bitrate: 600_000, width: 640, height: 360 },
] as const;
const AUDIO_BITRATES = [192_000, 96_000] as const;

export const DEFAULT_CATALOG: CatalogOptions = { titles: 200, streamsPerTitle: 8, segmentsPerStream: 300 };

function stream(titleId: string, index: number, opts: CatalogOptions): CatalogStream {
  const audioCount = Math.min(AUDIO_BITRATES.length, Math.max(0, opts.streamsPerTitle - 1));
  const videoCount = opts.streamsPerTitle - audioCount;
  const isVideo = index < videoCount;
  const rung = VIDEO_LADDER[index % VIDEO_LADDER.length]!;
  const bitrate = isVideo ? rung.bitrate : AUDIO_BITRATES[index - videoCount]!;
  const streamId = isVideo ? `${titleId}-v${index}` : `${titleId}-a${index - videoCount}`;
  const segSec = opts.segmentDurationSec ?? 4;
  const nominal = Math.round((bitrate * segSec) / 8);
  const segments: CatalogStream['segments'] = [];
  let start = 0;
  for (let i = 0; i < opts.segmentsPerStream; i++) {
    // Encoders vary segment size with scene complexity; ±20 % keeps byte offsets irregular.
    const length = Math.max(
      1,
      Math.round(nominal * (0.8 + 0.4 * (((i * 7919 + index * 104729) % 1000) / 1000))),
    );
    segments.push({ index: i, start, length, durationSec: segSec });
    start += length;
  }
  const s: CatalogStream = {
    streamId,
    kind: isVideo ? 'video' : 'audio',
    bitrate,
    size: start,
    // Stands in for the file's checksum: steering never reads it, parseCatalog checks its form.
    sha256: createHash('sha256').update(streamId).digest('hex'),
    segmentDurationSec: segSec,
    segments,
  };
  if (isVideo) {
    s.width = rung.width;
    s.height = rung.height;
  }
  return s;
}

export function buildCatalog(opts: CatalogOptions = DEFAULT_CATALOG): Catalog {
  const titles: CatalogTitle[] = [];
  const segSec = opts.segmentDurationSec ?? 4;
  for (let t = 0; t < opts.titles; t++) {
    const id = `t${String(t).padStart(4, '0')}`;
    const streams = Array.from({ length: opts.streamsPerTitle }, (_, i) => stream(id, i, opts));
    titles.push({ id, name: `Bench title ${t}`, durationSec: opts.segmentsPerStream * segSec, streams });
  }
  return { version: 1, generatedAt: new Date(0).toISOString(), seed: 'bench-steering', titles };
}

export function fileIdsOf(catalog: Catalog): string[] {
  return catalog.titles.flatMap((t) => t.streams.map((s) => s.streamId));
}
