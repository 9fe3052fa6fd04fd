// Where a benchmark run's files go: `<out>/<name>-<stamp>` (the caller adds `.json`, `.md`, …),
// the directory made if needed.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `2025-01-31T12-00-00Z`: sortable, safe in file names, unique per run. */
export function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

export function resultBase(out: string, name: string, date: Date): string {
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}-${stamp(date)}`);
}
