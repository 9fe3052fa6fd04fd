import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Catalog, parseCatalog } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { generateContent } from '../src/synthetic/generate.js';
import { ALL_RUNGS } from '../src/synthetic/ladder.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferry-gen-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function readCatalog(dir: string): Catalog {
  return parseCatalog(JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8')));
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('content generate', () => {
  it('writes one file per ladder rung and a catalog that describes the bytes exactly', () => {
    const out = tempDir();
    const result = generateContent({ out, titles: 2, minutes: 0.25, seed: 'integrity' });
    const catalog = readCatalog(out);
    expect(catalog.titles.map((t) => t.id)).toEqual(['t0001', 't0002']);
    expect(result.files).toBe(2 * ALL_RUNGS.length);
    expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
    for (const title of catalog.titles) {
      expect(title.durationSec).toBe(15);
      expect(title.streams.filter((s) => s.kind === 'audio')).toHaveLength(1);
      const boundaries = JSON.stringify(title.streams[0]!.segments.map((s) => s.durationSec));
      for (const s of title.streams) {
        const path = join(out, s.streamId);
        expect(statSync(path).size).toBe(s.size);
        expect(sha256(path)).toBe(s.sha256);
        expect(s.segmentDurationSec).toBeGreaterThanOrEqual(2);
        expect(s.segmentDurationSec).toBeLessThanOrEqual(4);
        // Segments tile the file: contiguous from 0, ending at the last byte.
        let next = 0;
        for (const seg of s.segments) {
          expect(seg.start).toBe(next);
          next += seg.length;
        }
        expect(next).toBe(s.size);
        const seconds = s.segments.reduce((n, seg) => n + seg.durationSec, 0);
        expect(seconds).toBeCloseTo(title.durationSec, 6);
        // Every rung switches at the same instants.
        expect(JSON.stringify(s.segments.map((seg) => seg.durationSec))).toBe(boundaries);
        // Sizes follow the bitrate within the VBR spread.
        expect(s.size).toBeGreaterThan((s.bitrate / 8) * title.durationSec * 0.75);
        expect(s.size).toBeLessThan((s.bitrate / 8) * title.durationSec * 1.25);
      }
    }
  });

  it('is deterministic: the same seed gives the same bytes and catalog, another seed does not', () => {
    const a = tempDir();
    const b = tempDir();
    const c = tempDir();
    generateContent({ out: a, titles: 1, minutes: 0.2, seed: 's1' });
    generateContent({ out: b, titles: 1, minutes: 0.2, seed: 's1' });
    generateContent({ out: c, titles: 1, minutes: 0.2, seed: 's2' });
    const strip = (cat: Catalog) => ({ ...cat, generatedAt: '' });
    expect(strip(readCatalog(a))).toEqual(strip(readCatalog(b)));
    for (const name of readdirSync(a).filter((n) => n !== 'catalog.json')) {
      expect(readFileSync(join(a, name)).equals(readFileSync(join(b, name)))).toBe(true);
    }
    const other = readCatalog(c).titles[0]!.streams[0]!;
    expect(other.sha256).not.toBe(readCatalog(a).titles[0]!.streams[0]!.sha256);
  });

  it('is fast: a title-minute of the full ladder in well under the time budget', () => {
    const out = tempDir();
    const started = performance.now();
    const r = generateContent({ out, titles: 1, minutes: 1, seed: 'speed' });
    const secs = (performance.now() - started) / 1000;
    expect(r.bytes).toBeGreaterThan(150 * 2 ** 20);
    expect(secs).toBeLessThan(10);
  });

  it('rejects impossible options', () => {
    const out = tempDir();
    expect(() => generateContent({ out, titles: 0, minutes: 1, seed: 'x' })).toThrow(/titles/);
    expect(() => generateContent({ out, titles: 1, minutes: 0, seed: 'x' })).toThrow(/minutes/);
  });
});
