import { type Catalog, CatalogError, isValidFileId, parseCatalog } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';

function sample(): Catalog {
  return {
    version: 1,
    generatedAt: '2025-01-01T00:00:00.000Z',
    seed: 'x',
    titles: [
      {
        id: 't0001',
        name: 'A',
        durationSec: 5,
        streams: [
          {
            streamId: 't0001-v235k',
            kind: 'video',
            bitrate: 235000,
            width: 320,
            height: 240,
            size: 300,
            sha256: 'a'.repeat(64),
            segmentDurationSec: 4,
            segments: [
              { index: 0, start: 0, length: 200, durationSec: 4 },
              { index: 1, start: 200, length: 100, durationSec: 1 },
            ],
          },
        ],
      },
    ],
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests break the typed shape on purpose
function fieldOf(mutate: (c: any) => void): string {
  const c = sample();
  mutate(c);
  try {
    parseCatalog(JSON.parse(JSON.stringify(c)));
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as CatalogError).field;
  }
  return '(accepted)';
}

describe('parseCatalog', () => {
  it('accepts a well-formed catalog unchanged', () => {
    expect(parseCatalog(JSON.parse(JSON.stringify(sample())))).toEqual(sample());
  });

  it('names the bad field', () => {
    expect(fieldOf((c) => (c.version = 2))).toBe('version');
    expect(fieldOf((c) => (c.titles[0].streams[0].kind = 'text'))).toBe('titles[0].streams[0].kind');
    expect(fieldOf((c) => (c.titles[0].streams[0].size = -1))).toBe('titles[0].streams[0].size');
    expect(fieldOf((c) => (c.titles[0].streams[0].sha256 = 'nope'))).toBe('titles[0].streams[0].sha256');
    expect(fieldOf((c) => (c.titles[0].streams[0].streamId = '.hidden'))).toBe(
      'titles[0].streams[0].streamId',
    );
    expect(fieldOf((c) => (c.titles[0].streams[0].segments[1].start = 201))).toBe(
      'titles[0].streams[0].segments[1].start',
    );
    expect(fieldOf((c) => (c.titles[0].streams[0].size = 301))).toBe('titles[0].streams[0].segments');
    expect(fieldOf((c) => c.titles.push(c.titles[0]))).toBe('titles[1].id');
  });

  it('validates file ids', () => {
    expect(isValidFileId('t0001-v3000k')).toBe(true);
    expect(isValidFileId('a'.repeat(128))).toBe(true);
    expect(isValidFileId('a'.repeat(129))).toBe(false);
    expect(isValidFileId('.x')).toBe(false);
    expect(isValidFileId('a/b')).toBe(false);
    expect(isValidFileId('')).toBe(false);
  });
});
