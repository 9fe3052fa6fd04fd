// HTML tables for the report pages: rows of a name and a value, every cell escaped.
import { escapeHtml } from './svg-chart.js';

export function kv(rows: readonly (readonly [string, string | number])[], attrs = ''): string {
  const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`);
  return `<table${attrs}>${body.join('')}</table>`;
}
