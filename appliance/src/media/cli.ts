// `ferry content generate --media`: flags are parsed in cli/src/main.ts; this encodes and
// prints the same short, script-friendly summary as the synthetic generator.

import { join, resolve } from 'node:path';
import { generateMediaContent } from './generate.js';

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

export async function runMediaGenerate(opts: {
  out: string;
  titles: number;
  minutes?: number;
  seconds?: number;
  seed: string;
  ladder?: string[];
  segmentSeconds?: number;
}): Promise<void> {
  const started = performance.now();
  const out = resolve(opts.out);
  const catalog = await generateMediaContent({ ...opts, out });
  const secs = (performance.now() - started) / 1000;
  let files = 0;
  let bytes = 0;
  for (const t of catalog.titles) {
    const size = t.streams.reduce((n, s) => n + s.size, 0);
    files += t.streams.length;
    bytes += size;
    const rungs = t.streams.map((s) => `${s.height}p`).join(' ');
    process.stdout.write(
      `${t.id}  ${t.name}  ${t.durationSec}s  ${rungs}  ${t.streams[0]?.codecs}  ${mib(size)}\n`,
    );
  }
  process.stdout.write(
    `encoded ${catalog.titles.length} titles, ${files} files, ${mib(bytes)} in ${secs.toFixed(1)}s ` +
      `(H.264 fragmented MP4, video only)\ncatalog: ${join(out, 'catalog.json')}\n`,
  );
}
