// Small, valid values of the shared contracts for tests in any package: a catalog with one
// title and one video stream whose segments are contiguous and sum to the stream's size.
import type { Catalog, CatalogStream } from '@ferry/protocol';

export interface CatalogFixtureOptions {
  titleId?: string;
  streamId?: string;
  /** byte lengths of the segments (default 20 and 10) */
  segmentLengths?: number[];
  segmentDurationSec?: number;
  /** fields set on (or added to) the stream, after the defaults */
  stream?: Partial<CatalogStream> & Record<string, unknown>;
}

export function catalogFixture(opts: CatalogFixtureOptions = {}): Catalog {
  const lengths = opts.segmentLengths ?? [20, 10];
  const duration = opts.segmentDurationSec ?? 4;
  let start = 0;
  const segments = lengths.map((length, index) => {
    const seg = { index, start, length, durationSec: duration };
    start += length;
    return seg;
  });
  const titleId = opts.titleId ?? 't1';
  return {
    version: 1,
    generatedAt: '2026-01-01T00:00:00.000Z',
    seed: 'fixture',
    titles: [
      {
        id: titleId,
        name: `Title ${titleId}`,
        durationSec: duration * lengths.length,
        streams: [
          {
            streamId: opts.streamId ?? `${titleId}-v`,
            kind: 'video',
            bitrate: 1000,
            size: start,
            sha256: 'a'.repeat(64),
            segmentDurationSec: duration,
            segments,
            ...opts.stream,
          },
        ],
      },
    ],
  };
}
