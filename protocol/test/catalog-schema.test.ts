// parseCatalog: the schema names the first bad field by path; the rules a schema cannot
// express (contiguity, sizes, order, unique ids, a parseable time) come after it.
import { describe, expect, it } from 'vitest';
import { CatalogError, parseCatalog } from '../src/index.js';

function catalog(extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    generatedAt: '2026-01-01T00:00:00Z',
    seed: '',
    titles: [
      {
        id: 't',
        name: 'T',
        durationSec: 8,
        streams: [
          {
            streamId: 't-v',
            kind: 'video',
            bitrate: 1000,
            size: 30,
            sha256: 'f'.repeat(64),
            segmentDurationSec: 4,
            segments: [
              { index: 0, start: 0, length: 20, durationSec: 4 },
              { index: 1, start: 20, length: 10, durationSec: 4 },
            ],
            ...extra,
          },
        ],
      },
    ],
  };
}

function fieldOf(value: unknown): string {
  try {
    parseCatalog(value);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as CatalogError).field;
  }
  return '(accepted)';
}

describe('parseCatalog', () => {
  it('names missing, mistyped and out-of-range fields by their path', () => {
    expect(fieldOf(null)).toBe('(root)');
    expect(fieldOf({ version: 1, seed: '', titles: [] })).toBe('generatedAt');
    const c = catalog();
    delete (c.titles[0] as Partial<(typeof c.titles)[0]>).streams;
    expect(fieldOf(c)).toBe('titles[0].streams');
    expect(fieldOf(catalog({ bitrate: 1.5 }))).toBe('titles[0].streams[0].bitrate');
    expect(fieldOf(catalog({ width: 0 }))).toBe('titles[0].streams[0].width');
    expect(fieldOf(catalog({ segmentDurationSec: 0 }))).toBe('titles[0].streams[0].segmentDurationSec');
  });

  it('checks what a schema cannot: order, contiguity, sizes, time', () => {
    const swapped = catalog();
    const segs = swapped.titles[0]!.streams[0]!.segments;
    segs[1] = { ...segs[1]!, index: 2 };
    expect(fieldOf(swapped)).toBe('titles[0].streams[0].segments[1].index');
    expect(fieldOf(catalog({ size: 31 }))).toBe('titles[0].streams[0].segments');
    expect(fieldOf({ ...catalog(), generatedAt: 'yesterday' })).toBe('generatedAt');
  });

  it('keeps only the catalog’s own fields', () => {
    const parsed = parseCatalog({ ...catalog({ note: 'x' }), extra: true });
    expect(parsed).toEqual(catalog());
  });
});
