// Turning samples into the summary (medians over rounds, Ferry ÷ nginx and Ferry ÷ a bare
// node:http server) and rendering it as a terminal table, Markdown and JSON. Pure: tested
// without servers.

import { formatRatio, formatValue, type Table, type Unit } from '../common/format.js';
import type { MachineInfo } from '../common/machine.js';
import { pageMarkdown, pageText, type ReportPage } from '../common/report-page.js';
import { median, ratio } from '../common/stats.js';
import { isValidRun, invalidRunNotes as runNotes } from '../common/validity.js';
import type { Tool } from './load.js';
import type { BenchCase } from './load-plan.js';
import type { LoadResult } from './wrk.js';

export type ServerName =
  | 'nginx'
  // a bare node:http server with the same answers (bare-node-server.ts): Node's own floor
  | 'node-http'
  | 'ferry-sendfile'
  | 'ferry-copy'
  // the HTTPS rows (--https): nginx with `listen … ssl`, the appliance with --tls-cert, with
  // every worker and with one process (encryption off one event loop, by processes)
  | 'nginx-tls'
  | 'ferry-tls'
  | 'ferry-tls-1proc';
export type FerryPath = 'sendfile' | 'copy' | 'https' | 'https-1proc';
/** Each Ferry row and the nginx it is compared with; optional rows appear only when run. */
export const FERRY_PATHS: readonly {
  server: ServerName;
  path: FerryPath;
  anchor: ServerName;
  /** the bare node:http row it is also compared with (plain HTTP rows only) */
  floor?: ServerName;
  optional?: true;
}[] = [
  { server: 'ferry-sendfile', path: 'sendfile', anchor: 'nginx', floor: 'node-http' },
  { server: 'ferry-copy', path: 'copy', anchor: 'nginx', floor: 'node-http' },
  { server: 'ferry-tls', path: 'https', anchor: 'nginx-tls', optional: true },
  { server: 'ferry-tls-1proc', path: 'https-1proc', anchor: 'nginx-tls', optional: true },
];

export interface Sample {
  readonly caseName: string;
  readonly tool: Tool;
  readonly server: ServerName;
  readonly round: number;
  readonly result: LoadResult | null;
  /** Event-loop delay p99 over the run (appliance only). */
  readonly eventLoopP99Ms: number | null;
  readonly error?: string;
}

type Measure = 'req/s' | 'bytes/s' | 'p99 latency' | 'event-loop p99';

export interface SummaryRow {
  readonly caseName: string;
  readonly tool: Tool;
  readonly path: FerryPath;
  readonly measure: Measure;
  readonly unit: Unit;
  readonly ferry: number | null;
  readonly nginx: number | null;
  /** Ferry ÷ nginx. Above 1 is better for req/s and bytes/s, worse for latency. */
  readonly ratio: number | null;
  /** The bare node:http server's figure (bare-node-server.ts); absent in older result files. */
  readonly nodeHttp?: number | null;
  /** Ferry ÷ node:http: what Ferry costs above Node's own floor. */
  readonly ratioNodeHttp?: number | null;
}

function medianOf(samples: readonly Sample[], pick: (s: Sample) => number | null): number | null {
  return median(samples.map(pick).filter((v): v is number => v !== null));
}

export function summarize(
  samples: readonly Sample[],
  cases: readonly BenchCase[],
  tools: readonly Tool[],
): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const valid = (c: string, t: Tool, s: ServerName) =>
    samples.filter((x) => x.caseName === c && x.tool === t && x.server === s && isValidRun(x.result));
  for (const c of cases) {
    for (const tool of tools) {
      for (const { server, path, anchor, floor, optional } of FERRY_PATHS) {
        // Rows of a server not run (--https off), or of an anchor not run at all (--https only).
        if (optional && !samples.some((x) => x.server === server && x.tool === tool)) continue;
        if (!samples.some((x) => x.server === anchor)) continue;
        const nginx = valid(c.name, tool, anchor);
        const nodeHttp = floor ? valid(c.name, tool, floor) : [];
        const ferry = valid(c.name, tool, server);
        const measures: [Measure, Unit, (s: Sample) => number | null, boolean][] = [
          ['req/s', 'req/s', (s) => s.result!.reqPerSec, true],
          ['bytes/s', 'B/s', (s) => s.result!.bytesPerSec, true],
          ['p99 latency', 'ms', (s) => s.result!.p99Ms, true],
          ['event-loop p99', 'ms', (s) => s.eventLoopP99Ms, false],
        ];
        for (const [measure, unit, pick, anchored] of measures) {
          const f = medianOf(ferry, pick);
          const n = anchored ? medianOf(nginx, pick) : null;
          const b = anchored ? medianOf(nodeHttp, pick) : null;
          rows.push({
            caseName: c.name,
            tool,
            path,
            measure,
            unit,
            ferry: f,
            nginx: n,
            ratio: ratio(f, n),
            nodeHttp: b,
            ratioNodeHttp: ratio(f, b),
          });
        }
      }
    }
  }
  return rows;
}

export function summaryTable(rows: readonly SummaryRow[]): Table {
  return {
    headers: [
      'case',
      'tool',
      'path',
      'measure',
      'Ferry',
      'nginx',
      'ratio',
      'node:http',
      'vs node:http',
      'node:http/nginx',
    ],
    numeric: [4, 5, 6, 7, 8, 9],
    rows: rows.map((r) => [
      r.caseName,
      r.tool,
      r.path,
      r.measure,
      formatValue(r.ferry, r.unit),
      r.measure === 'event-loop p99' ? '-' : formatValue(r.nginx, r.unit),
      formatRatio(r.ratio),
      r.measure === 'event-loop p99' ? '-' : formatValue(r.nodeHttp ?? null, r.unit),
      formatRatio(r.ratioNodeHttp ?? null),
      formatRatio(ratio(r.nodeHttp ?? null, r.nginx)),
    ]),
  };
}

export interface Report {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly settings: {
    readonly rounds: number;
    readonly durationSec: number;
    readonly tools: readonly Tool[];
    readonly cases: readonly BenchCase[];
    readonly nginxWorkers: number;
    readonly wrkThreads: number;
    readonly files: number;
    readonly contentBytes: number;
  };
  readonly notes: readonly string[];
  readonly samples: readonly Sample[];
  readonly summary: readonly SummaryRow[];
}

export { isValidRun };

export function invalidRunNotes(samples: readonly Sample[]): string[] {
  return runNotes(samples, (s) => `${s.caseName}, ${s.tool}, ${s.server}`);
}

/**
 * autocannon parses responses in JavaScript (http-parser-js) and tops out far below what a
 * server can send on loopback with large bodies; when wrk gets much more out of the same
 * nginx, the autocannon rows of that case measure the client, and the report says so.
 */
export function clientBoundNotes(samples: readonly Sample[], cases: readonly BenchCase[]): string[] {
  const notes: string[] = [];
  for (const c of cases) {
    const pick = (tool: Tool) =>
      medianOf(
        samples.filter(
          (s) => s.caseName === c.name && s.tool === tool && s.server === 'nginx' && isValidRun(s.result),
        ),
        (s) => s.result!.bytesPerSec,
      );
    const ac = pick('autocannon');
    const wrk = pick('wrk');
    if (ac !== null && wrk !== null && ac < wrk * 0.5) {
      notes.push(
        `${c.name}: autocannon reached ${formatValue(ac, 'B/s')} from nginx where wrk reached ${formatValue(wrk, 'B/s')}; ` +
          'the autocannon rows of this case are bound by the load client, read the wrk rows for the servers.',
      );
    }
  }
  return notes;
}

const LEGEND = [
  'Ferry and nginx are medians over rounds; ratio = Ferry ÷ nginx (above 1 is better for req/s and',
  "bytes/s, worse for p99 latency). Event-loop p99 is the appliance's own gauge over each run.",
  'Paths https and https-1proc: the appliance with --tls-cert (bodies on the copy path, node encrypts;',
  'every worker, then one process) against nginx with `listen … ssl` on the same certificate; wrk only.',
  "node:http is a bare node:http server answering the same ranges with the same headers (Node's",
  'floor, bench/src/dataplane/bare-node-server.ts); vs node:http = Ferry ÷ node:http.',
];

export function renderReportText(r: Report): string {
  return pageText(`ferry bench dataplane — ${r.date}`, page(r));
}

function page(r: Report): ReportPage {
  return {
    machine: r.machine,
    settings: settingsLine(r),
    table: summaryTable(r.summary),
    legend: LEGEND,
    notes: r.notes,
  };
}

function settingsLine(r: Report): string {
  const s = r.settings;
  return (
    `${s.rounds} round(s) × ${s.durationSec} s per run; tools ${s.tools.join(', ')}; nginx, node:http and appliance ${s.nginxWorkers} ` +
    `worker process(es) each; wrk ${s.wrkThreads} thread(s); ${s.files} files, ${formatValue(s.contentBytes, 'B')}`
  );
}

export function renderReportMarkdown(r: Report): string {
  return pageMarkdown(`# Data plane: Ferry appliance vs nginx — ${r.date}`, page(r));
}
