// Samples → summary (medians over rounds, Ferry ÷ anchor) → terminal table, Markdown, JSON.
// Pure: tested without servers.
import { formatRatio, formatValue, type Table, type Unit } from '../common/format.js';
import type { MachineInfo } from '../common/machine.js';
import { pageMarkdown, pageText, type ReportPage } from '../common/report-page.js';
import { median, ratio } from '../common/stats.js';
import { isValidRun, invalidRunNotes as runNotes } from '../common/validity.js';
import { DECISIONS, type DecisionCounts } from './decisions.js';
import type { SteerLoadResult } from './load.js';

export type ServerName = 'ferry-control' | 'fastify';

export interface Sample {
  readonly server: ServerName;
  readonly round: number;
  readonly result: SteerLoadResult | null;
  readonly error?: string;
  /** Control's event-loop lag over the run (Ferry only), from its prom-client gauges. */
  readonly loopP99Ms?: number | null;
  readonly loopMaxMs?: number | null;
  /** The server process's CPU seconds over the run (cpu-time.ts), when /proc has them. */
  readonly cpuSec?: number;
}

export interface SummaryRow {
  /** answers/s: steering answers (200, one per request) per second */
  readonly measure: 'answers/s' | 'p50 latency' | 'p99 latency' | 'bytes/s' | 'event-loop p99';
  readonly unit: Unit;
  readonly ferry: number | null;
  readonly anchor: number | null;
  /** Ferry ÷ anchor: above 1 is better for req/s, worse for latency. */
  readonly ratio: number | null;
}

export interface Settings {
  readonly appliances: number;
  readonly sites: number;
  readonly prefixes24: number;
  readonly tablePrefixes: number;
  readonly titles: number;
  readonly streamsPerTitle: number;
  readonly segmentsPerStream: number;
  readonly answerBytes: number;
  readonly connections: number;
  readonly durationSec: number;
  readonly rounds: number;
}

export interface Report {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly settings: Settings;
  readonly decisions: DecisionCounts;
  readonly notes: readonly string[];
  readonly samples: readonly Sample[];
  readonly summary: readonly SummaryRow[];
}

export function summarize(samples: readonly Sample[]): SummaryRow[] {
  const of = (server: ServerName, pick: (r: SteerLoadResult) => number | null) =>
    median(
      samples
        .filter((s) => s.server === server && isValidRun(s.result))
        .map((s) => pick(s.result!))
        .filter((v): v is number => v !== null),
    );
  const measures: [SummaryRow['measure'], Unit, (r: SteerLoadResult) => number | null][] = [
    ['answers/s', 'req/s', (r) => r.reqPerSec],
    ['p50 latency', 'ms', (r) => r.p50Ms],
    ['p99 latency', 'ms', (r) => r.p99Ms],
    ['bytes/s', 'B/s', (r) => r.bytesPerSec],
  ];
  const rows: SummaryRow[] = measures.map(([measure, unit, pick]) => {
    const ferry = of('ferry-control', pick);
    const anchor = of('fastify', pick);
    return { measure, unit, ferry, anchor, ratio: ratio(ferry, anchor) };
  });
  // Control's own gauge; the anchor has none, so no ratio.
  const loop = median(
    samples
      .filter((s) => s.server === 'ferry-control' && isValidRun(s.result))
      .map((s) => s.loopP99Ms)
      .filter((v): v is number => typeof v === 'number'),
  );
  rows.push({ measure: 'event-loop p99', unit: 'ms', ferry: loop, anchor: null, ratio: null });
  return rows;
}

export function summaryTable(rows: readonly SummaryRow[]): Table {
  return {
    headers: ['measure', 'Ferry', 'anchor', 'ratio'],
    numeric: [1, 2, 3],
    rows: rows.map((r) => [
      r.measure,
      formatValue(r.ferry, r.unit),
      r.measure === 'event-loop p99' ? '-' : formatValue(r.anchor, r.unit),
      formatRatio(r.ratio),
    ]),
  };
}

export { isValidRun };

export function invalidRunNotes(samples: readonly Sample[]): string[] {
  return runNotes(samples, (s) => s.server);
}

/** The goal for steering: at least 0.7 of a bare fastify route's answer rate. */
export const REQ_RATE_GOAL = 0.7;
/** And at least this many answers/s on one core (control is one process: one event loop). */
export const ANSWERS_PER_CORE_GOAL = 5000;

export function goalNote(rows: readonly SummaryRow[]): string {
  const row = rows.find((x) => x.measure === 'answers/s');
  const r = row?.ratio ?? null;
  const ratio =
    r === null
      ? `answers/s ratio unavailable (goal >= ${REQ_RATE_GOAL})`
      : `answers/s ratio ${formatRatio(r)}: ${r >= REQ_RATE_GOAL ? 'meets' : 'below'} the goal of ${REQ_RATE_GOAL}x`;
  const a = row?.ferry ?? null;
  const perCore =
    a === null
      ? `answers/s per core unavailable (goal >= ${ANSWERS_PER_CORE_GOAL})`
      : `${formatValue(a, 'req/s')} per core: ${a >= ANSWERS_PER_CORE_GOAL ? 'meets' : 'below'} the goal of ${ANSWERS_PER_CORE_GOAL}`;
  return `${ratio}; ${perCore}`;
}

/** Median CPU µs per answer of one server over its valid runs, or null. */
export function cpuPerAnswerUs(samples: readonly Sample[], server: ServerName): number | null {
  return median(
    samples
      .filter((s) => s.server === server && isValidRun(s.result) && s.cpuSec !== undefined)
      .map((s) => (s.cpuSec! * 1e6) / s.result!.requests)
      .filter((v) => Number.isFinite(v) && v > 0),
  );
}

/** CPU per answer of both servers and the rate one core would sustain at it. */
export function cpuLine(samples: readonly Sample[]): string {
  const part = (name: string, us: number | null) =>
    us === null ? `${name} n/a` : `${name} ${us.toFixed(0)} µs (${formatValue(1e6 / us, 'req/s')} per core)`;
  const ferry = cpuPerAnswerUs(samples, 'ferry-control');
  return `server CPU per answer (its process's user+system time over the runs): ${part('Ferry', ferry)}, ${part('anchor', cpuPerAnswerUs(samples, 'fastify'))}; per-core goal ${ANSWERS_PER_CORE_GOAL}: ${ferry === null ? 'n/a' : 1e6 / ferry >= ANSWERS_PER_CORE_GOAL ? 'meets' : 'below'}`;
}

/** Ranking decisions per second: one per stream of each answer. */
export function decisionsRateLine(rows: readonly SummaryRow[], streamsPerAnswer: number): string {
  const a = rows.find((x) => x.measure === 'answers/s')?.ferry ?? null;
  const d = a === null ? 'unavailable' : `${Math.round(a * streamsPerAnswer)}/s`;
  return `ranking decisions: ${d} (answers/s x ${streamsPerAnswer} streams per answer, each ranked and signed)`;
}

export function decisionsLine(d: DecisionCounts): string {
  const total = DECISIONS.reduce((n, k) => n + d[k], 0);
  const parts = DECISIONS.map(
    (k) => `${k} ${d[k]}${total > 0 ? ` (${((100 * d[k]) / total).toFixed(1)}%)` : ''}`,
  );
  return `decisions per stream during the timed Ferry runs: ${parts.join(', ')}`;
}

export function settingsLine(s: Settings): string {
  return (
    `${s.appliances} appliances in ${s.sites} sites; ${formatValue(s.tablePrefixes, 'count')} prefixes (${formatValue(s.prefixes24, 'count')} /24s + /16 aggregates); ` +
    `catalog ${s.titles} titles x ${s.streamsPerTitle} streams x ${s.segmentsPerStream} segments (the segments are in each stream's index, not the answer); ` +
    `answer ~${formatValue(s.answerBytes, 'B')}; autocannon ${s.connections} connections; ` +
    `${s.rounds} round(s) x ${s.durationSec} s per server`
  );
}

const LEGEND = [
  'Ferry = `ferry control` POST /v1/steer (trie lookup, ranking per stream, signed URLs);',
  'anchor = bare fastify returning a captured steering answer of the same size. Medians over rounds;',
  'ratio = Ferry ÷ anchor (above 1 is better for answers/s, worse for latency). Event-loop p99 is',
  "control's own prom-client gauge over each timed run.",
];

export function renderReportText(r: Report): string {
  return pageText(`ferry bench steering — ${r.date}`, page(r));
}

function page(r: Report): ReportPage {
  return {
    machine: r.machine,
    settings: settingsLine(r.settings),
    table: summaryTable(r.summary),
    extra: [
      goalNote(r.summary),
      decisionsRateLine(r.summary, r.settings.streamsPerTitle),
      cpuLine(r.samples),
      decisionsLine(r.decisions),
    ],
    legend: LEGEND,
    notes: r.notes,
  };
}

export function renderReportMarkdown(r: Report): string {
  return pageMarkdown(`# Steering: ferry control vs bare fastify — ${r.date}`, page(r));
}
