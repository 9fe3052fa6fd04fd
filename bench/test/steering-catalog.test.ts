import { parseCatalog } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { buildCatalog, fileIdsOf } from '../src/steering/catalog.js';

describe('buildCatalog', () => {
  it('passes parseCatalog with the default shape (200 titles x 8 streams x 300 segments)', () => {
    const catalog = buildCatalog();
    const parsed = parseCatalog(JSON.parse(JSON.stringify(catalog)));
    expect(parsed.titles).toHaveLength(200);
    expect(parsed.titles.every((t) => t.streams.length === 8)).toBe(true);
    expect(parsed.titles[0]!.streams.every((s) => s.segments.length === 300)).toBe(true);
    expect(new Set(fileIdsOf(catalog)).size).toBe(1600);
  });

  it('has a ladder of video streams and audio streams last, with irregular contiguous segments', () => {
    const t = buildCatalog({ titles: 1, streamsPerTitle: 8, segmentsPerStream: 10 }).titles[0]!;
    expect(t.streams.map((s) => s.kind)).toEqual([...Array(6).fill('video'), 'audio', 'audio']);
    expect(t.streams.map((s) => s.streamId)).toContain('t0000-a1');
    const lengths = t.streams[0]!.segments.map((s) => s.length);
    expect(new Set(lengths).size).toBeGreaterThan(1);
    expect(t.streams[0]!.size).toBe(lengths.reduce((a, b) => a + b, 0));
  });
});
