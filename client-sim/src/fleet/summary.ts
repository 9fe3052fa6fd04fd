// The end-of-run table on stdout and the progress line on stderr: plain text, fixed
// widths, so a terminal and a CI log both read well.
import type { SessionQoe } from '../player/qoe.js';
import type { FleetSummary } from '../report/aggregate.js';
import { experimentLabel } from '../report/chaos-html.js';
import type { ExperimentReport } from '../report/chaos-report.js';
import { type QoeAggregate, type QoeReport, qoeReport } from '../report/qoe-metrics.js';
import { formatBps, formatBytes, formatCount, formatMs, formatPercent } from '../report/units.js';
import type { FleetProgress } from './fleet.js';
import { type SelfLoad, selfLoadWarning } from './self-load.js';

const mbps = formatBps;
const ms = (v: number) => `${Math.round(v)} ms`;
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
const count = formatCount;

export interface FleetTotals {
  /** all stall time over all stall + played time, over started sessions */
  stallRatio: number;
  stalls: number;
  switches: number;
  /** CTA-2066 / Conviva figures, overall and per network profile (report/qoe-metrics.ts) */
  qoe: QoeReport;
}

export function fleetTotals(sessions: readonly SessionQoe[]): FleetTotals {
  let stall = 0;
  let total = 0;
  let stalls = 0;
  let switches = 0;
  for (const x of sessions) {
    if (!x.started) continue;
    stall += x.stallMs / 1000;
    total += x.stallMs / 1000 + x.playedSec;
    stalls += x.stallCount;
    switches += x.switches;
  }
  return { stallRatio: total > 0 ? stall / total : 0, stalls, switches, qoe: qoeReport(sessions) };
}

export interface SummaryExtras extends FleetTotals {
  durationSec: number;
  sourceAddresses: number;
  selfLoad?: SelfLoad;
  /** chaos experiments the run saw (--chaos-from-control) */
  experiments?: readonly ExperimentReport[];
}

export function experimentLine({ experiment: e, analysis: a }: ExperimentReport): string {
  if (!a) return e.refusal ? `refused (${e.refusal.rule}): ${e.refusal.message}` : `${e.state}, did not run`;
  const recovery =
    a.recoveryMs === null ? `${a.recovered} of them recovered` : `recovered after ${ms(a.recoveryMs)}`;
  return `${a.affected} viewers affected, ${a.stalls.count} stalls, ${a.failovers} failovers, ${recovery}`;
}

/** One network's CTA-2066 line: attempts, VSF, EBVS, startup, rebuffering, bitrate, switches. */
export function qoeLine(a: QoeAggregate): string {
  const head = `${a.attempts} attempts, VSF ${formatPercent(a.vsfRatio)}, EBVS ${formatPercent(a.ebvsRatio)}`;
  if (a.plays === 0) return `${head}, none played`;
  return (
    `${head}, VST p50 ${formatMs(a.startupMs.p50)} / p95 ${formatMs(a.startupMs.p95)}, ` +
    `rebuffering ${formatPercent(a.rebufferingRatioOverall)} (${a.rebufferings}, ${a.rebufferingPerHour.toFixed(1)}/h), ` +
    `bitrate ${formatBps(a.avgBitrateOverall)}, switches ${a.switchesPerHour.toFixed(1)}/h`
  );
}

export function renderSummary(s: FleetSummary, x: SummaryExtras): string {
  const rows: [string, string][] = [
    [
      'sessions',
      `${count(s.sessions)} (${count(s.started)} started, ${pct(s.startFailureRatio)} never started)`,
    ],
    ['source addresses', x.sourceAddresses > 0 ? count(x.sourceAddresses) : 'chosen by the OS'],
    ['run time', formatMs(x.durationSec * 1000)],
    ['startup p50 / p95', `${ms(s.startupMs.p50)} / ${ms(s.startupMs.p95)}`],
    ['stall ratio', pct(x.stallRatio)],
    ['stalls', `${count(x.stalls)} (p95 per session ${s.stallCount.p95})`],
    ['average bitrate', `${mbps(s.avgBitrate.mean)} (p50 ${mbps(s.avgBitrate.p50)})`],
    ['switches', `${count(x.switches)} (mean per session ${s.switches.mean.toFixed(2)})`],
    ['failovers', count(s.failovers)],
    ['steers', count(s.steers)],
    [
      'errors',
      Object.keys(s.errorsByCode).length === 0
        ? '0'
        : Object.entries(s.errorsByCode)
            .map(([code, n]) => `${code} ${count(n)}`)
            .join(', '),
    ],
    ['bytes', formatBytes(s.bytes)],
  ];
  for (const [id, n] of Object.entries(s.bytesByAppliance).sort((a, b) => b[1] - a[1])) {
    rows.push([`  from ${id}`, `${formatBytes(n)} (${pct(s.bytes > 0 ? n / s.bytes : 0)})`]);
  }
  if (x.selfLoad) {
    const l = x.selfLoad;
    rows.push([
      'simulator load',
      `CPU ${l.cpuPercent.toFixed(0)} % of a core${l.cpuMachinePercent !== undefined ? ` (${l.cpuMachinePercent.toFixed(0)} % of ${l.cores} cores)` : ''}, event-loop delay p50 ${l.loopDelayP50Ms.toFixed(1)} / p99 ${l.loopDelayP99Ms.toFixed(1)} / max ${l.loopDelayMaxMs.toFixed(0)} ms`,
    ]);
  }
  rows.push(['QoE (CTA-2066)', qoeLine(x.qoe.overall)]);
  for (const [profile, a] of Object.entries(x.qoe.byNetwork)) rows.push([`  on ${profile}`, qoeLine(a)]);
  const o = x.qoe.overall;
  rows.push(['failed fetches', `${o.failedFetches} (retries ${o.retries}, re-steers ${o.resteers})`]);
  for (const r of x.experiments ?? [])
    rows.push([`chaos ${experimentLabel(r.experiment)}`, experimentLine(r)]);
  const width = Math.max(...rows.map((r) => r[0].length));
  const warning = x.selfLoad ? selfLoadWarning(x.selfLoad) : undefined;
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n${warning ? `${warning}\n` : ''}`;
}

export function progressLine(p: FleetProgress): string {
  const t = `${Math.floor(p.elapsedMs / 1000)}s`.padStart(5);
  return (
    `${t}  sessions ${p.running} running / ${p.started} of ${p.total} started / ${p.done} done` +
    `  playing ${p.playing}  stalled ${p.stalled}  ${mbps(p.bps)}  failovers ${p.failovers}  errors ${p.errors}`
  );
}
