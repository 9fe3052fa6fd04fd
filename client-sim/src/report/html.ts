// The fleet report as one self-contained HTML page, readable without its JSON: QoE as the
// industry counts it (a table per network profile, CDFs of startup, rebuffering and
// bitrate), the run's timeline (delivered bitrate and viewers stalled, with kills, health
// changes and chaos experiments marked), the load on each appliance with failover markers,
// the older summary tables, a table per chaos experiment, the run's settings (what ran, on
// what machine, when) and the simulator's own CPU and event-loop delay, and the JSON
// embedded for tools. Bytes and rates in SI units, times as m:ss and UTC clock time.
// No scripts, fonts or images are loaded from anywhere.
import type { FleetReport, SeriesEvent } from './aggregate.js';
import { experimentBands, renderExperiments } from './chaos-html.js';
import type { Distribution } from './percentiles.js';
import { chartNote, renderQoeCdfs, renderQoeTables } from './qoe-html.js';
import { qoeReport } from './qoe-metrics.js';
import { renderRunSettings, renderSelfLoad } from './run-html.js';
import { escapeHtml, lineChart, type Marker } from './svg-chart.js';
import { kv } from './table.js';
import { type TimelineEvent, timelineChart } from './timeline-chart.js';
import { formatBps, formatBytes, formatCount, formatDateTime, formatMs, formatPercent } from './units.js';

const REASON_COLORS: Record<string, string> = { error: '#d62728', timeout: '#9467bd', 'too-slow': '#ff7f0e' };
const EVENT_COLORS: Record<SeriesEvent['kind'], string> = {
  kill: '#d62728',
  health: '#9467bd',
  other: '#555',
};

function row(name: string, d: Distribution, format: (v: number) => string): string {
  const cells = [d.p50, d.p90, d.p95, d.p99, d.max, d.mean].map((v) => `<td>${escapeHtml(format(v))}</td>`);
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
  const load = lineChart(
    Object.entries(series.throughputByAppliance).map(([name, values]) => ({ name, values })),
    {
      title: `Load per appliance (dashed: failovers${bands.length > 0 ? '; shaded: chaos experiments' : ''})`,
      unit: 'b/s',
      format: formatBps,
      bucketMs: series.bucketMs,
      markers,
      bands,
      startedAtMs: series.startedAt,
    },
  );
  // Reports written before the timeline fields (read back from JSON) still render.
  const delivered =
    series.deliveredBps ??
    Object.values(series.throughputByAppliance).reduce<number[]>(
      (sum, v) => v.map((x, i) => x + (sum[i] ?? 0)),
      [],
    );
  const events: TimelineEvent[] = (series.events ?? []).map((e) => ({
    atMs: e.atMs,
    label: e.label,
    color: EVENT_COLORS[e.kind],
  }));
  const timeline = timelineChart({
    title: 'Timeline: bitrate delivered and viewers stalled',
    bucketMs: series.bucketMs,
    deliveredBps: delivered,
    stalled: series.stalledSessions,
    events,
    bands,
    startedAtMs: series.startedAt,
  });
  const qoe = report.qoe ?? qoeReport([]);
  const share = (n: number) => (s.bytes > 0 ? ` (${formatPercent(n / s.bytes)})` : '');
  const totals = kv(
    [
      ['sessions', formatCount(s.sessions)],
      ['started', formatCount(s.started)],
      ['start failures', formatPercent(s.startFailureRatio)],
      ['failovers', formatCount(s.failovers)],
      ['steers', formatCount(s.steers)],
      ['bytes', formatBytes(s.bytes)],
      ...Object.entries(s.bytesByAppliance)
        .sort((a, b) => b[1] - a[1])
        .map(([id, n]): [string, string] => [`bytes from ${id}`, `${formatBytes(n)}${share(n)}`]),
      ...Object.entries(s.errorsByCode).map(([code, n]): [string, string] => [code, formatCount(n)]),
    ],
    ' class="totals"',
  );
  const one = (v: number) => (Math.round(v * 10) / 10).toString();
  const dist = [
    '<table><tr><th></th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th><th>mean</th></tr>',
    row('startup', s.startupMs, formatMs),
    row('stalls', s.stallCount, one),
    row('stall time', s.stallMs, formatMs),
    row('rebuffer ratio', s.rebufferRatio, formatPercent),
    row('average bitrate', s.avgBitrate, formatBps),
    row('switches', s.switches, one),
    '</table>',
  ].join('\n');
  const run = report.run;
  // `<` is escaped inside the JSON so the embedded data cannot close the script element.
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}th{background:#f6f6f6}svg{display:block;margin:12px 0 2px}
table.qoe td{white-space:nowrap}table.qoe th{font-size:12px}
p.note{color:#555;max-width:900px;margin:0 0 18px;font-size:13px}
table.experiment td,table.not-run td,table.run-settings td,table.self-load td{text-align:left}
p.warning{background:#fdecea;border-left:4px solid #d62728;padding:8px 12px;max-width:900px}
p.ok{color:#2ca02c}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>Generated ${escapeHtml(formatDateTime(Date.parse(report.generatedAt)))}; time buckets of ${formatMs(series.bucketMs)} from ${escapeHtml(series.startedAt > 0 ? formatDateTime(series.startedAt) : 'the first viewer’s start')}. Bytes in SI units (1 MB = 10⁶ B), bit rates in b/s; times on the charts as elapsed m:ss, with the UTC clock time below.</p>
${run ? renderRunSettings(run) : '<h2>Run settings</h2>\n<p class="note">Not recorded.</p>'}
${renderSelfLoad(run?.selfLoad)}
<h2>Quality of experience per network profile</h2>
<p>Metrics as CTA-2066 (Streaming Quality of Experience Events, Properties and Metrics) and the Streaming Video Alliance / Conviva definitions count them; docs/qoe.md gives each definition.</p>
${renderQoeTables(qoe)}
<h2>Distributions</h2>
${renderQoeCdfs(qoe)}
<h2>Timeline</h2>
${timeline}
${chartNote(`Top: bits per second delivered to all viewers together, per ${series.bucketMs} ms. Bottom: viewers in a stall at some moment of each bucket. Dashed lines: ${events.length > 0 ? 'events during the run (kills, health changes control saw)' : 'events (none were given for this run)'}${bands.length > 0 ? '; shaded: chaos experiments' : ''}.`)}
<h2>Load per appliance</h2>
${load}
${chartNote('Bits per second each appliance delivered, from the viewers’ downloads (each spread over its own duration). Dashed lines are failovers, coloured by reason: red an error, purple a timeout, orange too slow.')}
<h2>What viewers saw (started sessions)</h2>
${dist}
${chartNote('Per-session distributions as the players recorded them (stall figures include any waiting after a seek, which the QoE table above leaves out).')}
<h2>Totals</h2>
${totals}
${report.experiments ? renderExperiments(report.experiments, series.startedAt) : ''}
<script type="application/json" id="ferry-report">${json}</script>
</body></html>
`;
}
