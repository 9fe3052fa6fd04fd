// Number formatting and tables for benchmark reports: the same rows render as aligned text
// for the terminal and as Markdown for bench/results. Bytes and rates use the units every
// Ferry report prints (@ferry/client-sim's units.ts): bytes in SI units (1 MB = 10⁶ B), and
// byte rates as the bit rate a link is sold and watched in (Mb/s, Gb/s).
import { formatByteRate, formatBytes, formatCount } from '@ferry/client-sim';

/** `B/s` values are bytes per second, printed as bits per second; `B` bytes; `count` a count. */
export type Unit = 'req/s' | 'B/s' | 'B' | 'count' | 'ms' | 'x';

const NA = 'n/a';

function scaled(value: number, base: number, units: readonly string[]): string {
  let v = value;
  let i = 0;
  while (Math.abs(v) >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${units[i]}`;
}

export function formatValue(value: number | null | undefined, unit: Unit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NA;
  switch (unit) {
    case 'req/s':
      return `${scaled(value, 1000, ['', 'k', 'M']).replace(' ', '')} req/s`;
    case 'B/s':
      return formatByteRate(value);
    case 'B':
      return formatBytes(value);
    case 'count':
      return formatCount(value);
    case 'ms':
      return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ms`;
    case 'x':
      return formatRatio(value);
  }
}

export function formatRatio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NA;
  return `${value.toFixed(2)}x`;
}

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns aligned right (numbers). */
  readonly numeric?: readonly number[];
}

export function renderText(table: Table): string {
  const widths = table.headers.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (table.numeric?.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(table.headers), rule, ...table.rows.map(line)].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMarkdown(table: Table): string {
  const head = `| ${table.headers.map(escapeCell).join(' | ')} |`;
  const align = `|${table.headers.map((_, i) => (table.numeric?.includes(i) ? '---:' : '---')).join('|')}|`;
  const rows = table.rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`);
  return [head, align, ...rows].join('\n');
}
