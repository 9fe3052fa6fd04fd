// Minimal inline SVG charts for the report: line series over time buckets, and vertical
// markers. Hand-written so the report is one file with no scripts or external assets.

export interface LineSeries {
  name: string;
  values: number[];
}

export interface Marker {
  atMs: number;
  label: string;
  color: string;
}

export interface ChartOptions {
  title: string;
  unit: string;
  bucketMs: number;
  width?: number;
  height?: number;
  markers?: Marker[];
  /** 'line' (default) or 'bars' */
  style?: 'line' | 'bars';
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return `${Math.round(v * 10) / 10}`;
}

export function lineChart(series: LineSeries[], o: ChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 260;
  const pad = { l: 60, r: 150, t: 28, b: 30 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (i: number) => pad.l + (n <= 1 ? 0 : (i / (n - 1)) * w);
  const y = (v: number) => pad.t + h - (v / yMax) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<text x="${pad.l}" y="16" font-weight="bold">${escapeHtml(o.title)}</text>`,
    `<rect x="${pad.l}" y="${pad.t}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>`,
  ];
  for (const f of [0, 0.5, 1]) {
    parts.push(
      `<text x="${pad.l - 6}" y="${y(yMax * f) + 4}" text-anchor="end" font-size="11">${fmt(yMax * f)}${escapeHtml(o.unit)}</text>`,
    );
  }
  const totalSec = (n * o.bucketMs) / 1000;
  parts.push(`<text x="${pad.l}" y="${height - 8}" font-size="11">0 s</text>`);
  parts.push(
    `<text x="${pad.l + w}" y="${height - 8}" font-size="11" text-anchor="end">${totalSec.toFixed(0)} s</text>`,
  );
  for (const m of o.markers ?? []) {
    const mx = pad.l + Math.min(1, m.atMs / (n * o.bucketMs)) * w;
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
