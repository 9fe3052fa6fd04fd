// The run's timeline as one inline SVG of two panels on a shared time axis: the bitrate
// delivered to all viewers together (top) and the viewers stalled (bottom), with events
// (appliance kills, health changes control saw) as labelled vertical lines through both and
// chaos experiments as shaded bands, so cause and effect line up by eye.
import { timeAxisCaption, timeAxisSvg, valueAxisSvg } from './axes.js';
import { type Band, bandsSvg, escapeHtml } from './svg-chart.js';
import { formatBps, formatCount, niceTicks } from './units.js';

export interface TimelineEvent {
  /** ms since the series' bucket 0 */
  atMs: number;
  label: string;
  color: string;
}

export interface TimelineOptions {
  title: string;
  bucketMs: number;
  /** b/s delivered per bucket */
  deliveredBps: readonly number[];
  /** viewers stalled per bucket */
  stalled: readonly number[];
  events?: readonly TimelineEvent[];
  bands?: readonly Band[];
  width?: number;
  /** unix ms of bucket 0's start: the time axis also shows clock times */
  startedAtMs?: number;
}

export function timelineChart(o: TimelineOptions): string {
  const width = o.width ?? 900;
  // The same plot frame as lineChart (x from 60, 690 px wide), so charts stacked on the page line up.
  const pad = { l: 60, r: 150, t: 44 };
  const panelH = 140;
  const gap = 26;
  const w = width - pad.l - pad.r;
  const top = { y: pad.t, h: panelH };
  const bottom = { y: pad.t + panelH + gap, h: 90 };
  const height = bottom.y + bottom.h + 50;
  const n = Math.max(1, o.deliveredBps.length, o.stalled.length);
  const totalMs = n * o.bucketMs;
  const xAt = (ms: number) => pad.l + (Math.min(Math.max(ms, 0), totalMs) / totalMs) * w;
  const xMid = (i: number) => xAt((i + 0.5) * o.bucketMs);
  const bpsTicks = niceTicks(Math.max(0, ...o.deliveredBps), 4);
  const bpsMax = bpsTicks[bpsTicks.length - 1]!;
  const stallTicks = niceTicks(Math.max(1, ...o.stalled), 3).filter((t) => Number.isInteger(t));
  const stallMax = Math.max(1, stallTicks[stallTicks.length - 1]!);
  const yTop = (v: number) => top.y + top.h - (v / bpsMax) * top.h;
  const yBottom = (v: number) => bottom.y + bottom.h - (v / stallMax) * bottom.h;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" data-axis="time" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<text x="${pad.l}" y="16" font-weight="bold">${escapeHtml(o.title)}</text>`,
  ];
  parts.push(
    ...bandsSvg(o.bands ?? [], {
      xAt,
      totalMs,
      y: top.y,
      h: bottom.y + bottom.h - top.y,
      fillOpacity: 0.12,
      outline: false,
    }),
  );
  for (const p of [top, bottom]) {
    parts.push(`<rect x="${pad.l}" y="${p.y}" width="${w}" height="${p.h}" fill="none" stroke="#ccc"/>`);
  }
  const x1 = pad.l + w;
  parts.push(...valueAxisSvg({ ticks: bpsTicks, yAt: yTop, x0: pad.l, x1, format: formatBps }));
  parts.push(...valueAxisSvg({ ticks: stallTicks, yAt: yBottom, x0: pad.l, x1, format: formatCount }));
  const line = o.deliveredBps.map((v, i) => `${xMid(i).toFixed(1)},${yTop(v).toFixed(1)}`).join(' ');
  parts.push(
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.6" points="${line}"/>`,
    `<text x="${pad.l + w + 10}" y="${top.y + 14}" font-size="12" fill="#1f77b4">delivered bitrate</text>`,
    `<text x="${pad.l + w + 10}" y="${top.y + 30}" font-size="11" fill="#555">(all viewers)</text>`,
  );
  const bw = w / n;
  o.stalled.forEach((v, i) => {
    if (v > 0) {
      parts.push(
        `<rect x="${(pad.l + i * bw).toFixed(1)}" y="${yBottom(v).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(bottom.y + bottom.h - yBottom(v)).toFixed(1)}" fill="#d62728"/>`,
      );
    }
  });
  parts.push(
    `<text x="${pad.l + w + 10}" y="${bottom.y + 14}" font-size="12" fill="#d62728">viewers stalled</text>`,
  );
  parts.push(
    ...timeAxisSvg({
      xAt,
      totalMs,
      y: bottom.y + bottom.h,
      maxTicks: 10,
      ...(o.startedAtMs !== undefined ? { startedAtMs: o.startedAtMs } : {}),
    }),
    `<text x="${pad.l + w / 2}" y="${height - 4}" font-size="12" text-anchor="middle">${escapeHtml(timeAxisCaption(o.startedAtMs, 'the first viewer started'))}</text>`,
  );
  (o.events ?? []).forEach((e, k) => {
    if (e.atMs < 0 || e.atMs > totalMs) return;
    const ex = xAt(e.atMs).toFixed(1);
    parts.push(
      `<g class="event"><line x1="${ex}" y1="${top.y - 4}" x2="${ex}" y2="${bottom.y + bottom.h}" stroke="${e.color}" stroke-width="1.5" stroke-dasharray="5,3"><title>${escapeHtml(e.label)}</title></line>`,
      `<text x="${ex}" y="${top.y - 6 - (k % 2) * 11}" font-size="10" text-anchor="middle" fill="${e.color}">${escapeHtml(e.label)}</text></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
