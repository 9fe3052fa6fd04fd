// Writes a fleet report: HTML at `path`, the same data as JSON beside it (`.json`).
import { writeFile } from 'node:fs/promises';
import type { FleetReport } from './aggregate.js';
import { renderHtml } from './html.js';

export async function writeReport(
  report: FleetReport,
  path: string,
  title?: string,
): Promise<{ html: string; json: string }> {
  const json = `${path.replace(/\.html?$/i, '')}.json`;
  await writeFile(path, renderHtml(report, title));
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return { html: path, json };
}
