// A cumulative distribution chart as inline SVG: for each series (a group of sessions, e.g.
// one access-network profile) the share of sessions whose value is at most x, drawn as a
// step line; legend with each group's size, x ticks in the metric's own unit, y in %.
import { escapeHtml, PALETTE } from './svg-chart.js';
import { niceTicks } from './units.js';

export interface CdfSeries {
  name: string;
  values: readonly number[];
}

export interface CdfOptions {
  title: string;
  /** the x axis' label, e.g. "startup time" */
  xLabel: string;
  /** formats an x tick value with its unit */
  format: (v: number) => string;
  width?: number;
  height?: number;
}

/** Step points of the empirical CDF: (x, share ≤ x), starting at (min, 0). */
export function cdfPoints(values: readonly number[]): [number, number][] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const pts: [number, number][] = [[sorted[0]!, 0]];
  for (let i = 0; i < n; i++) {
    // One vertical step per distinct value, to the share of values up to it.
    if (i + 1 < n && sorted[i + 1] === sorted[i]) continue;
    const prev = pts[pts.length - 1]![1];
    pts.push([sorted[i]!, prev], [sorted[i]!, (i + 1) / n]);
  }
  return pts;
}

export function cdfChart(series: readonly CdfSeries[], o: CdfOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 280;
  const pad = { l: 60, r: 190, t: 28, b: 44 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const ticks = niceTicks(Math.max(0, ...all));
  const xMax = ticks[ticks.length - 1]!;
  const x = (v: number) => pad.l + (Math.min(Math.max(v, 0), xMax) / xMax) * w;
  const y = (share: number) => pad.t + h - share * h;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="cdf" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<text x="${pad.l}" y="16" font-weight="bold">${escapeHtml(o.title)}</text>`,
    `<rect x="${pad.l}" y="${pad.t}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>`,
  ];
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${pad.l}" y1="${y(share).toFixed(1)}" x2="${pad.l + w}" y2="${y(share).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${pad.l - 6}" y="${(y(share) + 4).toFixed(1)}" text-anchor="end" font-size="11">${share * 100} %</text>`,
    );
  }
  for (const t of ticks) {
    const tx = x(t).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${pad.t + h}" x2="${tx}" y2="${pad.t + h + 4}" stroke="#999"/>`,
      `<text class="tick" x="${tx}" y="${pad.t + h + 16}" font-size="11" text-anchor="middle">${escapeHtml(o.format(t))}</text>`,
    );
  }
  parts.push(
    `<text x="${pad.l + w / 2}" y="${height - 6}" font-size="12" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`,
    `<text x="14" y="${pad.t + h / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${pad.t + h / 2})">sessions ≤ x</text>`,
  );
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const pts = cdfPoints(s.values);
    if (pts.length > 0) {
      // Carried on flat to the right edge: every session is at or below the largest value.
      pts.push([xMax, 1]);
      const line = pts.map(([vx, vy]) => `${x(vx).toFixed(1)},${y(vy).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${line}"/>`);
    }
    const n = s.values.filter(Number.isFinite).length;
    parts.push(
      `<g class="legend"><line x1="${pad.l + w + 12}" y1="${pad.t + 10 + k * 18}" x2="${pad.l + w + 30}" y2="${pad.t + 10 + k * 18}" stroke="${color}" stroke-width="2.5"/>`,
      `<text x="${pad.l + w + 36}" y="${pad.t + 14 + k * 18}" font-size="12">${escapeHtml(s.name)} (${n} session${n === 1 ? '' : 's'})</text></g>`,
    );
  });
  if (series.length === 0 || all.length === 0) {
    parts.push(
      `<text x="${pad.l + w / 2}" y="${pad.t + h / 2}" text-anchor="middle" fill="#777">no sessions to show</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
