// parseCatalog: the schema names the first bad field by path; the rules a schema cannot
// express (contiguity, sizes, order, unique ids, a parseable time) come after it.

import { catalogFixture } from '@ferry/harness';
import { describe, expect, it } from 'vitest';
import { CatalogError, isValidFileId, parseCatalog } from '../src/index.js';

function catalog(extra: Record<string, unknown> = {}) {
  return catalogFixture({ titleId: 't', streamId: 't-v', stream: extra });
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

  it('takes a real-media stream’s codecs and init length together, the init inside segment 0', () => {
    const media = parseCatalog(catalog({ codecs: 'avc1.64001f', initLength: 12 }));
    expect(media.titles[0]!.streams[0]).toMatchObject({ codecs: 'avc1.64001f', initLength: 12 });
    expect(fieldOf(catalog({ codecs: 'avc1.64001f' }))).toBe('titles[0].streams[0]');
    expect(fieldOf(catalog({ initLength: 12 }))).toBe('titles[0].streams[0]');
    // segment 0 is 20 bytes in the fixture: an init of 20 leaves no media in it
    expect(fieldOf(catalog({ codecs: 'avc1.64001f', initLength: 20 }))).toBe(
      'titles[0].streams[0].initLength',
    );
    expect(fieldOf(catalog({ codecs: 'avc1 "x"', initLength: 12 }))).toBe('titles[0].streams[0].codecs');
  });

  it('keeps only the catalog’s own fields', () => {
    const parsed = parseCatalog({ ...catalog({ note: 'x' }), extra: true });
    expect(parsed).toEqual(catalog());
  });

  it('names the bad field of a mutated catalog', () => {
    // biome-ignore lint/suspicious/noExplicitAny: tests break the typed shape on purpose
    const mutated = (mutate: (c: any) => void) => {
      const c = catalog();
      mutate(c);
      return fieldOf(JSON.parse(JSON.stringify(c)));
    };
    expect(mutated((c) => (c.version = 2))).toBe('version');
    expect(mutated((c) => (c.titles[0].streams[0].kind = 'text'))).toBe('titles[0].streams[0].kind');
    expect(mutated((c) => (c.titles[0].streams[0].size = -1))).toBe('titles[0].streams[0].size');
    expect(mutated((c) => (c.titles[0].streams[0].sha256 = 'nope'))).toBe('titles[0].streams[0].sha256');
    expect(mutated((c) => (c.titles[0].streams[0].streamId = '.hidden'))).toBe(
      'titles[0].streams[0].streamId',
    );
    expect(mutated((c) => (c.titles[0].streams[0].segments[1].start = 21))).toBe(
      'titles[0].streams[0].segments[1].start',
    );
    expect(mutated((c) => c.titles.push(c.titles[0]))).toBe('titles[1].id');
  });

  it('accepts a well-formed catalog unchanged', () => {
    expect(parseCatalog(JSON.parse(JSON.stringify(catalog())))).toEqual(catalog());
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
