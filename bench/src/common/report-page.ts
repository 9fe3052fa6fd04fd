// The page around a benchmark's ratio table, as text (the terminal) and as Markdown
// (bench/results/): title, machine, settings, the table, the benchmark's own lines, the
// legend and the notes. One layout, so every report reads the same way.
import { renderMarkdown, renderText, type Table } from './format.js';
import { describeMachine, type MachineInfo, machineMarkdown } from './machine.js';

export interface ReportPage {
  readonly machine: MachineInfo;
  readonly settings: string;
  readonly table: Table;
  /** lines of the benchmark's own after the table (goal, decisions…) */
  readonly extra?: readonly string[];
  readonly legend: readonly string[];
  readonly notes: readonly string[];
}

export function pageText(title: string, p: ReportPage): string {
  return [
    title,
    ...describeMachine(p.machine),
    p.settings,
    '',
    renderText(p.table),
    '',
    ...(p.extra ?? []),
    ...p.legend,
    ...p.notes,
  ].join('\n');
}

export function pageMarkdown(title: string, p: ReportPage): string {
  return `${[
    title,
    '',
    ...machineMarkdown(p.machine),
    '',
    p.settings,
    '',
    renderMarkdown(p.table),
    '',
    ...(p.extra ?? []).flatMap((line) => [line, '']),
    p.legend.join(' '),
    ...(p.notes.length ? ['', ...p.notes.map((n) => `- ${n}`)] : []),
    '',
    'How this is measured: docs/benchmarks.md.',
  ].join('\n')}\n`;
}
