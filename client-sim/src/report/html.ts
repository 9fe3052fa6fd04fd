// The fleet report as one self-contained HTML page: summary tables and inline SVG charts
// (throughput per appliance with failover markers, sessions stalled, a band per chaos
// experiment), a table per experiment, plus the JSON embedded for tools. No scripts, fonts
// or images are loaded from anywhere.
import type { FleetReport } from './aggregate.js';
import { experimentBands, renderExperiments } from './chaos-html.js';
import type { Distribution } from './percentiles.js';
import { escapeHtml, lineChart, type Marker } from './svg-chart.js';
import { kv } from './table.js';

const REASON_COLORS: Record<string, string> = { error: '#d62728', timeout: '#9467bd', 'too-slow': '#ff7f0e' };

function row(name: string, d: Distribution, scale = 1, digits = 0): string {
  const cells = [d.p50, d.p90, d.p95, d.p99, d.max, d.mean].map(
    (v) => `<td>${(v * scale).toFixed(digits)}</td>`,
  );
  return `<tr><th>${escapeHtml(name)}</th>${cells.join('')}</tr>`;
}

export function renderHtml(report: FleetReport, title = 'Ferry simulation'): string {
  const { summary: s, series } = report;
  const markers: Marker[] = series.failovers.map((f) => ({
    atMs: f.atMs,
    color: REASON_COLORS[f.reason] ?? '#555',
    label: `${f.session}: ${f.from} → ${f.to ?? 're-steer'} (${f.reason})`,
  }));
  const bands = report.experiments ? experimentBands(report.experiments, series.startedAt) : [];
  const throughput = lineChart(
    Object.entries(series.throughputByAppliance).map(([name, values]) => ({ name, values })),
    {
      title: `Throughput per appliance (dashed: failovers${bands.length > 0 ? '; shaded: chaos experiments' : ''})`,
      unit: 'b/s',
      bucketMs: series.bucketMs,
      markers,
      bands,
    },
  );
  const stalls = lineChart([{ name: 'stalled sessions', values: series.stalledSessions }], {
    title: 'Sessions stalled',
    unit: '',
    bucketMs: series.bucketMs,
    style: 'bars',
    bands,
  });
  const totals = kv([
    ['sessions', s.sessions],
    ['started', s.started],
    ['start failures', `${(s.startFailureRatio * 100).toFixed(1)} %`],
    ['failovers', s.failovers],
    ['steers', s.steers],
    ['bytes', s.bytes],
    ...Object.entries(s.bytesByAppliance).map(([id, n]): [string, number] => [`bytes from ${id}`, n]),
    ...Object.entries(s.errorsByCode).map(([code, n]): [string, number] => [code, n]),
  ]);
  const dist = [
    '<table><tr><th></th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th><th>mean</th></tr>',
    row('startup (ms)', s.startupMs),
    row('stalls', s.stallCount, 1, 1),
    row('stall time (ms)', s.stallMs),
    row('rebuffer ratio (%)', s.rebufferRatio, 100, 2),
    row('average bitrate (kb/s)', s.avgBitrate, 1 / 1000),
    row('switches', s.switches, 1, 1),
    '</table>',
  ].join('\n');
  // `<` is escaped inside the JSON so the embedded data cannot close the script element.
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}th{background:#f6f6f6}svg{display:block;margin:12px 0}
table.experiment td,table.not-run td{text-align:left}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>Generated ${escapeHtml(report.generatedAt)}; time buckets of ${series.bucketMs} ms from ${escapeHtml(new Date(series.startedAt).toISOString())}.</p>
<h2>What viewers saw (started sessions)</h2>
${dist}
<h2>Totals</h2>
${totals}
<h2>Over time</h2>
${throughput}
${stalls}
${report.experiments ? renderExperiments(report.experiments, series.startedAt) : ''}
<script type="application/json" id="ferry-report">${json}</script>
</body></html>
`;
}
