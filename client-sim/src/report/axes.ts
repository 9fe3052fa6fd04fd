// Axes for the report's SVG charts. A time axis has ticks at round intervals (1, 2, 5, 10,
// 15, 30 s, 1, 2, 5 … min) labelled as elapsed m:ss and, when the run's start is known, a
// second row with the clock time (UTC) of each tick; a value axis has gridlines at round
// values (niceTicks) labelled in the chart's unit. Pure: each returns SVG elements.
import { escapeHtml } from './svg-chart.js';
import { formatClock, formatElapsed } from './units.js';

/** A step of whole seconds (or minutes) that puts at most `maxTicks` ticks on `totalSec`. */
export function timeStepSec(totalSec: number, maxTicks: number): number {
  for (const step of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]) {
    if (totalSec / step <= maxTicks) return step;
  }
  return 3600 * Math.ceil(totalSec / 3600 / maxTicks);
}

/** Tick times in ms from the axis' start: 0, step, 2·step, … up to `totalMs`. */
export function timeTicksMs(totalMs: number, maxTicks: number): number[] {
  const step = timeStepSec(totalMs / 1000, maxTicks);
  const n = Math.floor(totalMs / 1000 / step + 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => i * step * 1000);
}

export interface TimeAxis {
  xAt(ms: number): number;
  totalMs: number;
  /** y of the plot's bottom edge, where the ticks hang */
  y: number;
  /** y of the plot's top edge: vertical gridlines run from here to `y` */
  gridTop?: number;
  /** unix ms of the axis' 0: adds a row of clock times */
  startedAtMs?: number;
  maxTicks?: number;
}

/** Ticks, vertical gridlines and labels of a time axis; the labels take 30 px below `y`. */
export function timeAxisSvg(a: TimeAxis): string[] {
  const parts: string[] = [];
  const clock = a.startedAtMs !== undefined && a.startedAtMs > 0;
  for (const t of timeTicksMs(a.totalMs, a.maxTicks ?? 8)) {
    const tx = a.xAt(t).toFixed(1);
    if (a.gridTop !== undefined && t > 0) {
      parts.push(`<line class="grid" x1="${tx}" y1="${a.gridTop}" x2="${tx}" y2="${a.y}" stroke="#f0f0f0"/>`);
    }
    parts.push(
      `<line x1="${tx}" y1="${a.y}" x2="${tx}" y2="${a.y + 4}" stroke="#999"/>`,
      `<text class="tick time-tick" x="${tx}" y="${a.y + 15}" font-size="11" text-anchor="middle">${formatElapsed(t)}</text>`,
    );
    if (clock) {
      parts.push(
        `<text class="tick clock-tick" x="${tx}" y="${a.y + 27}" font-size="9" fill="#777" text-anchor="middle">${formatClock(a.startedAtMs! + t)}</text>`,
      );
    }
  }
  return parts;
}

/** The caption under a time axis: what 0 is, and that the second row is UTC. */
export function timeAxisCaption(startedAtMs: number | undefined, zero: string): string {
  return startedAtMs !== undefined && startedAtMs > 0
    ? `elapsed m:ss since ${zero} (below: clock time, UTC)`
    : `elapsed m:ss since ${zero}`;
}

export interface ValueAxis {
  ticks: readonly number[];
  yAt(v: number): number;
  /** the plot's left and right edges */
  x0: number;
  x1: number;
  format(v: number): string;
}

/** Horizontal gridlines at each tick and its label left of the plot. */
export function valueAxisSvg(a: ValueAxis): string[] {
  return a.ticks.flatMap((t) => {
    const ty = a.yAt(t).toFixed(1);
    return [
      `<line class="grid" x1="${a.x0}" y1="${ty}" x2="${a.x1}" y2="${ty}" stroke="#eee"/>`,
      `<text class="tick value-tick" x="${a.x0 - 6}" y="${(a.yAt(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${escapeHtml(a.format(t))}</text>`,
    ];
  });
}
