// `ferry content generate` and `ferry content add`: flags are parsed in cli/src/main.ts;
// these functions do the work and print a short, script-friendly summary.

import { resolve } from 'node:path';
import { pino } from 'pino';
import { StoreError, StoreErrors } from '../store/errors.js';
import { ContentStore } from '../store/store.js';
import { generateContent } from './generate.js';
import { planAdds } from './plan-adds.js';

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

export async function runContentGenerate(opts: {
  out: string;
  titles: number;
  minutes: number;
  seed: string;
}): Promise<void> {
  const started = performance.now();
  const result = generateContent({ ...opts, out: resolve(opts.out) });
  const secs = (performance.now() - started) / 1000;
  const out = process.stdout;
  for (const t of result.catalog.titles) {
    const size = t.streams.reduce((n, s) => n + s.size, 0);
    out.write(`${t.id}  ${t.name}  ${t.durationSec}s  ${t.streams.length} streams  ${mib(size)}\n`);
  }
  out.write(
    `generated ${result.catalog.titles.length} titles, ${result.files} files, ${mib(result.bytes)} ` +
      `in ${secs.toFixed(1)}s (seed ${JSON.stringify(opts.seed)})\ncatalog: ${result.catalogPath}\n`,
  );
}

export async function runContentAdd(opts: { store: string[]; files: string[] }): Promise<void> {
  // Check every argument before copying anything, so a typo does not leave a half-done batch.
  const plan = planAdds(opts.files);
  if (plan.problems.length > 0) {
    throw new StoreError(plan.problems[0]!.error, plan.problems.map((p) => p.message).join('; '));
  }
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const store = ContentStore.open(opts.store, {
    logger,
    create: true,
    checkIntervalMs: 0,
    flushIntervalMs: 0,
  });
  try {
    if (store.disks().every((d) => d.state !== 'ok')) {
      const reasons = store
        .disks()
        .map((d) => `${d.path}: ${d.reason}`)
        .join('; ');
      throw new StoreError(StoreErrors.NO_HEALTHY_DISK, `no usable store directory (${reasons})`);
    }
    for (const { path, id } of plan.adds) {
      const f = await store.add(path, id);
      process.stdout.write(`${f.id}\t${f.disk}\t${f.size}\t${f.sha256}\n`);
    }
  } finally {
    store.close();
  }
}
