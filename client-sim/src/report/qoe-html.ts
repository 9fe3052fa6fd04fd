// The QoE part of the HTML report: CDFs of startup time, rebuffering ratio and average
// bitrate with one line per access-network profile, and a table of CTA-2066 / Conviva
// metrics per profile (and per title), each with a note saying what it shows.
import { cdfChart } from './cdf-chart.js';
import type { QoeAggregate, QoeReport, SessionMetrics } from './qoe-metrics.js';
import { escapeHtml } from './svg-chart.js';
import { formatBps, formatMs, formatPercent } from './units.js';

export const chartNote = (text: string) => `<p class="note">${escapeHtml(text)}</p>`;

function byNetwork(
  sessions: readonly SessionMetrics[],
  value: (m: SessionMetrics) => number,
): { name: string; values: number[] }[] {
  const groups = new Map<string, number[]>();
  for (const m of sessions) {
    if (m.outcome !== 'played') continue;
    const g = groups.get(m.network) ?? [];
    g.push(value(m));
    groups.set(m.network, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, values]) => ({ name, values }));
}

/** The three CDF charts, each with its note. */
export function renderQoeCdfs(q: QoeReport): string {
  const startup = cdfChart(
    byNetwork(q.sessions, (m) => m.startupMs ?? 0),
    { title: 'Video startup time (CDF per network profile)', xLabel: 'startup time', format: formatMs },
  );
  const rebuffer = cdfChart(
    byNetwork(q.sessions, (m) => m.rebufferingRatio),
    {
      title: 'Rebuffering ratio (CDF per network profile)',
      xLabel: 'rebuffering ratio',
      format: formatPercent,
    },
  );
  const bitrate = cdfChart(
    byNetwork(q.sessions, (m) => m.avgBitrate),
    { title: 'Average bitrate (CDF per network profile)', xLabel: 'average bitrate', format: formatBps },
  );
  return [
    startup,
    chartNote(
      'Each line is one access-network profile; a point (x, y) says y of its sessions that started took at most x from the play request to the first frame. Lines further left start faster.',
    ),
    rebuffer,
    chartNote(
      'Share of each session spent rebuffering: stall time after the first frame (waiting after a seek excluded) over playing plus stall time. A line that reaches 100 % at 0 means no session of that profile rebuffered.',
    ),
    bitrate,
    chartNote(
      'Average bitrate a session played, weighted by the media time played at each rendition. Lines further right saw a better picture.',
    ),
  ].join('\n');
}

const HEAD = [
  'sessions / played',
  'VSF',
  'EBVS',
  'VST p50',
  'VST p95',
  'rebuffering ratio',
  'rebufferings / h',
  'avg bitrate',
  'switches / h',
  'failed fetches',
  'retries',
  're-steers',
];

function cells(a: QoeAggregate): string[] {
  const started = a.plays > 0;
  return [
    `${a.sessions} / ${a.plays}${a.cut > 0 ? ` (${a.cut} cut off)` : ''}`,
    `${formatPercent(a.vsfRatio)} (${a.vsf})`,
    `${formatPercent(a.ebvsRatio)} (${a.ebvs})`,
    started ? formatMs(a.startupMs.p50) : '—',
    started ? formatMs(a.startupMs.p95) : '—',
    started ? formatPercent(a.rebufferingRatioOverall) : '—',
    started ? a.rebufferingPerHour.toFixed(1) : '—',
    started ? formatBps(a.avgBitrateOverall) : '—',
    started ? a.switchesPerHour.toFixed(1) : '—',
    String(a.failedFetches),
    String(a.retries),
    String(a.resteers),
  ];
}

function table(cls: string, first: string, rows: readonly [string, QoeAggregate][]): string {
  const head = `<tr><th>${escapeHtml(first)}</th>${HEAD.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map(
    ([name, a]) =>
      `<tr data-group="${escapeHtml(name)}"><th>${escapeHtml(name)}</th>${cells(a)
        .map((c) => `<td>${escapeHtml(c)}</td>`)
        .join('')}</tr>`,
  );
  return `<table class="${cls}">${head}${body.join('')}</table>`;
}

/** QoE per network profile (with the whole fleet last), and per title. */
export function renderQoeTables(q: QoeReport): string {
  const networks: [string, QoeAggregate][] = [...Object.entries(q.byNetwork), ['all viewers', q.overall]];
  return [
    table('qoe qoe-network', 'network', networks),
    chartNote(
      'Sessions / played: viewers, and those that reached the first frame (cut off: the run ended before their first frame). VSF: play attempts that failed before the first frame; EBVS: attempts the viewer left before the first frame; both as a share of attempts (sessions the run ended before their first frame are not attempts). VST: ms from the play request to the first frame. Rebuffering ratio: all stall time over all playing plus stall time of the profile. Rebufferings and switches per hour of playing time. Failed fetches: segment requests that did not deliver; retries: further requests for a segment after one failed; re-steers: new steering requests after every URL in the list failed.',
    ),
    '<h3>Per title</h3>',
    table('qoe qoe-title', 'title', Object.entries(q.byTitle)),
  ].join('\n');
}
