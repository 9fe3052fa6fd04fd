// Synthetic titles: for each title, one file per ladder rung plus audio, with bytes and
// segment sizes derived only from (seed, file id), and a catalog.json describing them.
// Same seed, same everything (except generatedAt), so tests and benches can regenerate
// content anywhere and compare checksums.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, CatalogStream, CatalogTitle } from '@ferry/protocol';
import { seededRandom } from '@ferry/protocol';
import { fsyncDir, tempPathFor, writeFileAtomic } from '../store/atomic.js';
import { writeDeterministicFile } from './bytes.js';
import { ALL_RUNGS, streamId, titleId } from './ladder.js';
import { planSegments } from './segments.js';

export interface GenerateOptions {
  out: string;
  titles: number;
  /** Duration of each title, in minutes (fractions allowed). */
  minutes: number;
  seed: string;
}

export interface GenerateResult {
  catalog: Catalog;
  catalogPath: string;
  files: number;
  bytes: number;
}

const ADJECTIVES = [
  'Silent',
  'Crimson',
  'Distant',
  'Hidden',
  'Golden',
  'Frozen',
  'Electric',
  'Last',
  'Broken',
  'Wild',
];
const NOUNS = [
  'Harbor',
  'Signal',
  'Orbit',
  'Meridian',
  'Tide',
  'Frontier',
  'Relay',
  'Horizon',
  'Canyon',
  'Ferry',
];

function titleName(random: () => number): string {
  const adj = ADJECTIVES[Math.floor(random() * ADJECTIVES.length)];
  const noun = NOUNS[Math.floor(random() * NOUNS.length)];
  return `The ${adj} ${noun}`;
}

function generateTitle(index: number, opts: GenerateOptions): CatalogTitle {
  const id = titleId(index);
  const random = seededRandom(`${opts.seed}|${id}`);
  const name = titleName(random);
  // Streams of one title share segment boundaries so a player can switch rungs at any segment.
  const segmentDurationSec = 2 + Math.floor(random() * 3);
  const durationSec = Math.round(opts.minutes * 60 * 1000) / 1000;
  const streams = ALL_RUNGS.map((rung): CatalogStream => {
    const sid = streamId(id, rung);
    const { segments, size } = planSegments({
      bitrate: rung.bitrate,
      durationSec,
      segmentDurationSec,
      random: seededRandom(`${opts.seed}|${sid}|segments`),
    });
    const path = join(opts.out, sid);
    const sha256 = writeDeterministicFile(path, tempPathFor(path), opts.seed, sid, size);
    const stream: CatalogStream = {
      streamId: sid,
      kind: rung.kind,
      bitrate: rung.bitrate,
      ...(rung.width !== undefined ? { width: rung.width, height: rung.height } : {}),
      size,
      sha256,
      segmentDurationSec,
      segments,
    };
    return stream;
  });
  return { id, name, durationSec, streams };
}

export function generateContent(opts: GenerateOptions): GenerateResult {
  if (!Number.isSafeInteger(opts.titles) || opts.titles < 1 || opts.titles > 9999) {
    throw new RangeError('titles must be an integer from 1 to 9999');
  }
  if (!Number.isFinite(opts.minutes) || opts.minutes <= 0) throw new RangeError('minutes must be positive');
  mkdirSync(opts.out, { recursive: true });
  const titles: CatalogTitle[] = [];
  for (let i = 0; i < opts.titles; i++) titles.push(generateTitle(i, opts));
  // The data files are durable before the catalog that points at them is published.
  fsyncDir(opts.out);
  const catalog: Catalog = { version: 1, generatedAt: new Date().toISOString(), seed: opts.seed, titles };
  const catalogPath = join(opts.out, 'catalog.json');
  writeFileAtomic(catalogPath, `${JSON.stringify(catalog)}\n`);
  let files = 0;
  let bytes = 0;
  for (const t of titles) {
    for (const s of t.streams) {
      files++;
      bytes += s.size;
    }
  }
  return { catalog, catalogPath, files, bytes };
}
