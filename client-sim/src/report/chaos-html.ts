// The chaos part of the HTML report: a labelled band per experiment that ran, for the time
// charts, and a table per experiment with what it did to the viewers, so the page reads
// without the JSON. Experiments are wall-clock; the charts count ms from the earliest
// session's start (FleetSeries.startedAt), so every time here is shifted by that.
import type { ChaosExperiment } from '@ferry/protocol';
import type { ExperimentAnalysis, StallFigures } from './chaos-analysis.js';
import type { ExperimentReport } from './chaos-report.js';
import { experimentWindow } from './chaos-window.js';
import { type Band, escapeHtml } from './svg-chart.js';
import { kv } from './table.js';

const KIND_COLORS: Record<ChaosExperiment['kind'], string> = {
  kill: '#d62728',
  latency: '#ff7f0e',
  throttle: '#9467bd',
  errors: '#e377c2',
  disk: '#8c564b',
  'bgp-flap': '#17becf',
  isolate: '#7f7f7f',
  'site-outage': '#bcbd22',
};

/** "kill east-1", "site-outage site isp-east (east-1, east-2)". */
export function experimentLabel(e: ChaosExperiment): string {
  const on = e.appliances.join(', ');
  if (e.target.site) return `${e.kind} site ${e.target.site}${on ? ` (${on})` : ''}`;
  return `${e.kind} ${on || e.target.appliance || '?'}`;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const msText = (ms: number | null, none: string) => (ms === null ? none : `${Math.round(ms)} ms`);

/** One band per experiment that ran, on the charts' axis (ms since `startedAt`). */
export function experimentBands(reports: readonly ExperimentReport[], startedAt: number): Band[] {
  return reports
    .filter((r) => r.analysis !== undefined)
    .map(({ experiment: e }) => {
      const w = experimentWindow(e);
      const label = experimentLabel(e);
      return {
        fromMs: w.startMs - startedAt,
        toMs: w.endMs - startedAt,
        label,
        title: `${e.id}: ${label}, ${sec(w.endMs - w.startMs)} (${e.state})`,
        color: KIND_COLORS[e.kind],
      };
    });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function stallText(s: StallFigures): string {
  return `${plural(s.count, 'stall')}, ${sec(s.ms)} stalled, in ${plural(s.sessions, 'session')}`;
}

function figures(e: ChaosExperiment, a: ExperimentAnalysis, startedAt: number): [string, string | number][] {
  const params = Object.keys(e.params).length > 0 ? JSON.stringify(e.params) : '—';
  const b = a.bitrate;
  // With nobody affected there is nothing to wait for: a dash, not "not all moved".
  const untilAll = (v: number | null, none: string) => (a.affected === 0 ? '—' : msText(v, none));
  return [
    ['state', e.state === 'aborted' ? `aborted: ${e.abortReason ?? 'no reason given'}` : e.state],
    [
      'window',
      `${sec(a.startMs - startedAt)} → ${sec(a.endMs - startedAt)} of the run (${sec(a.endMs - a.startMs)}), figures until ${sec(a.settleMs)} after`,
    ],
    ['parameters', params],
    ['fault applied after', msText(a.appliedAfterMs, 'not reported')],
    ['control saw a target unhealthy after', msText(a.detectionMs, 'not measured')],
    ['viewers playing', a.viewers],
    ['affected viewers', `${a.affected} (${a.affectedAtStart} fetching from a target at the start)`],
    ['stalls, every viewer', stallText(a.stalls)],
    ['stalls, affected viewers', stallText(a.affectedStalls)],
    ['failovers', `${a.failovers} (${a.failoversFromTargets} away from a target)`],
    ['failed segments / errors', `${a.failedSegments} / ${a.errors}`],
    [
      'bitrate of affected viewers',
      b
        ? `${b.beforeMbps.toFixed(2)} → ${b.duringMbps.toFixed(2)} Mb/s: drop ${b.dropMbps.toFixed(2)} Mb/s (${b.dropPercent.toFixed(1)} %), over ${b.sessions} sessions`
        : 'n/a (no affected session downloaded both before and during)',
    ],
    [
      'fetching elsewhere',
      a.moved.count > 0
        ? `${a.moved.count} of ${a.affected}; p50 ${a.moved.p50} ms, max ${a.moved.max} ms`
        : `0 of ${a.affected}`,
    ],
    ['every affected viewer elsewhere after', untilAll(a.allMovedMs, 'not all moved')],
    ['recovered', `${a.recovered} of ${a.affected}`],
    ['every affected viewer recovered after', untilAll(a.recoveryMs, 'not all recovered')],
  ];
}

function notRun(e: ChaosExperiment): string {
  if (e.refusal) return `refused (${e.refusal.rule}): ${e.refusal.message}`;
  if (e.state === 'aborted') return `aborted before it started: ${e.abortReason ?? 'no reason given'}`;
  return `${e.state}, did not start during the run`;
}

/** The "Chaos experiments" section: a table per experiment that ran, one list of the others. */
export function renderExperiments(reports: readonly ExperimentReport[], startedAt: number): string {
  if (reports.length === 0) return '<h2>Chaos experiments</h2>\n<p>None during the run.</p>';
  const parts = ['<h2>Chaos experiments</h2>'];
  for (const { experiment: e, analysis: a } of reports) {
    if (!a) continue;
    parts.push(
      `<h3 id="experiment-${escapeHtml(e.id)}">${escapeHtml(`${experimentLabel(e)} — ${e.id}`)}</h3>`,
      kv(figures(e, a, startedAt), ` class="experiment" data-experiment="${escapeHtml(e.id)}"`),
    );
  }
  const others = reports.filter((r) => !r.analysis).map((r) => r.experiment);
  if (others.length > 0) {
    parts.push(
      '<h3>Experiments that did not run</h3>',
      kv(
        others.map((e): [string, string] => [`${experimentLabel(e)} — ${e.id}`, notRun(e)]),
        ' class="not-run"',
      ),
    );
  }
  return parts.join('\n');
}
