// Writes a fleet report: HTML at `path`, the same data as JSON beside it (`.json`). Each file
// is written to a temporary name and renamed, so a reader never sees half a report. The run's
// machine and versions are added when the writer left them out: every report says what it
// was measured on.
import { rename, writeFile } from 'node:fs/promises';
import type { FleetReport } from './aggregate.js';
import { renderHtml } from './html.js';
import { completeRun } from './run-settings.js';

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export async function writeReport(
  report: FleetReport,
  path: string,
  title?: string,
): Promise<{ html: string; json: string }> {
  const json = `${path.replace(/\.html?$/i, '')}.json`;
  const full: FleetReport = { ...report, run: completeRun(report.run, report.series.startedAt) };
  await writeAtomic(path, renderHtml(full, title));
  await writeAtomic(json, `${JSON.stringify(full, null, 2)}\n`);
  return { html: path, json };
}
