// Minimal inline SVG charts for the report: line series over time buckets, vertical
// markers, and labelled bands (a stretch of time, e.g. a chaos experiment). Hand-written so
// the report is one file with no scripts or external assets. Every element is placed on
// one time axis, ms from bucket 0's start: a line's point sits at the middle of its bucket.
// Axes (round ticks, m:ss and clock time, values in the chart's unit) come from axes.ts.
import { timeAxisCaption, timeAxisSvg, valueAxisSvg } from './axes.js';
import { niceTicks, sig3 } from './units.js';

export { timeStepSec } from './axes.js';

export interface LineSeries {
  name: string;
  values: number[];
}

export interface Marker {
  atMs: number;
  label: string;
  color: string;
}

export interface Band {
  fromMs: number;
  toMs: number;
  /** short text drawn in the band */
  label: string;
  /** longer text shown on hover */
  title?: string;
  color: string;
}

export interface ChartOptions {
  title: string;
  unit: string;
  bucketMs: number;
  width?: number;
  height?: number;
  markers?: Marker[];
  bands?: Band[];
  /** 'line' (default) or 'bars' */
  style?: 'line' | 'bars';
  /** formats a y tick value with its unit; otherwise k/M/G and `unit` */
  format?: (v: number) => string;
  /** unix ms of bucket 0's start: the time axis also shows clock times */
  startedAtMs?: number;
  /** what the time axis counts from, for its caption */
  zero?: string;
}

/** "1.5k b/s": the fallback when a chart is given no formatter. */
function fmt(v: number, unit: string): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${sig3(v / 1e9)}G${unit}`;
  if (a >= 1e6) return `${sig3(v / 1e6)}M${unit}`;
  if (a >= 1e3) return `${sig3(v / 1e3)}k${unit}`;
  return `${sig3(v)}${unit}`;
}

export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface BandArea {
  /** x of a time in ms since the chart's start */
  xAt(ms: number): number;
  totalMs: number;
  /** top and height of the shaded area */
  y: number;
  h: number;
  fillOpacity: number;
  /** outline each band in its colour */
  outline: boolean;
}

/**
 * Shaded time bands (chaos experiments) with their labels staggered over three rows so
 * neighbours can be read; drawn first, so what the chart draws next lies over them.
 */
export function bandsSvg(bands: readonly Band[], a: BandArea): string[] {
  const parts: string[] = [];
  const stroke = (b: Band) => (a.outline ? ` stroke="${b.color}" stroke-opacity="0.5"` : '');
  bands.forEach((b, k) => {
    if (b.toMs < 0 || b.fromMs > a.totalMs) return;
    const bx = a.xAt(b.fromMs);
    const bw = Math.max(1, a.xAt(b.toMs) - bx);
    parts.push(
      `<g class="band"><rect x="${bx.toFixed(1)}" y="${a.y}" width="${bw.toFixed(1)}" height="${a.h}" fill="${b.color}" fill-opacity="${a.fillOpacity}"${stroke(b)}><title>${escapeHtml(b.title ?? b.label)}</title></rect>`,
      `<text x="${(bx + 3).toFixed(1)}" y="${a.y + 12 + (k % 3) * 12}" font-size="10" fill="${b.color}">${escapeHtml(b.label)}</text></g>`,
    );
  });
  return parts;
}

export function lineChart(series: LineSeries[], o: ChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 260;
  const pad = { l: 60, r: 150, t: 28, b: 48 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const yTicks = niceTicks(Math.max(0, ...series.flatMap((s) => s.values)), 4);
  const yMax = yTicks[yTicks.length - 1]!;
  const totalMs = n * o.bucketMs;
  const xAt = (ms: number) => pad.l + (Math.min(Math.max(ms, 0), totalMs) / totalMs) * w;
  const x = (i: number) => xAt((i + 0.5) * o.bucketMs);
  const y = (v: number) => pad.t + h - (v / yMax) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" data-axis="time" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<text x="${pad.l}" y="16" font-weight="bold">${escapeHtml(o.title)}</text>`,
  ];
  parts.push(...bandsSvg(o.bands ?? [], { xAt, totalMs, y: pad.t, h, fillOpacity: 0.15, outline: true }));
  parts.push(`<rect x="${pad.l}" y="${pad.t}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>`);
  const format = o.format ?? ((v: number) => fmt(v, o.unit));
  parts.push(...valueAxisSvg({ ticks: yTicks, yAt: y, x0: pad.l, x1: pad.l + w, format }));
  parts.push(
    ...timeAxisSvg({
      xAt,
      totalMs,
      y: pad.t + h,
      gridTop: pad.t,
      maxTicks: 8,
      ...(o.startedAtMs !== undefined ? { startedAtMs: o.startedAtMs } : {}),
    }),
    `<text x="${pad.l + w / 2}" y="${height - 4}" font-size="12" text-anchor="middle">${escapeHtml(timeAxisCaption(o.startedAtMs, o.zero ?? 'the first viewer started'))}</text>`,
  );
  for (const m of o.markers ?? []) {
    const mx = xAt(m.atMs);
    parts.push(
      `<line x1="${mx.toFixed(1)}" y1="${pad.t}" x2="${mx.toFixed(1)}" y2="${pad.t + h}" stroke="${m.color}" stroke-dasharray="3,3"><title>${escapeHtml(m.label)}</title></line>`,
    );
  }
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    if (o.style === 'bars') {
      const bw = w / n;
      s.values.forEach((v, i) => {
        if (v > 0) {
          parts.push(
            `<rect x="${(pad.l + i * bw).toFixed(1)}" y="${y(v).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(pad.t + h - y(v)).toFixed(1)}" fill="${color}"/>`,
          );
        }
      });
    } else {
      const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/>`);
    }
    parts.push(
      `<text x="${pad.l + w + 10}" y="${pad.t + 14 + k * 16}" font-size="12" fill="${color}">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
