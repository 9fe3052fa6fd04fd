// The report's "Run settings" and "Simulator health" sections: what ran, on what and when,
// in words and units, and the simulator's own CPU and event-loop delay with a warning line
// when it was the bottleneck of the run.
import { type SelfLoad, selfLoadWarning } from '../fleet/self-load.js';
import type { ReportRun } from './run-settings.js';
import { escapeHtml } from './svg-chart.js';
import { kv } from './table.js';
import { formatBytes, formatCount, formatDateTime, formatMs, formatPercent } from './units.js';

/** Fields shown in their own rows; the rest of `run` is listed after them as given. */
const SHOWN = new Set([
  'command',
  'control',
  'sessions',
  'durationSec',
  'rampSec',
  'titles',
  'audience',
  'buffer',
  'workers',
  'gameDay',
  'startedAtMs',
  'endedAtMs',
  'versions',
  'machine',
  'selfLoad',
]);

const sec = (s: number) => formatMs(s * 1000);

function networksText(run: ReportRun): string {
  const n = run.audience?.networks;
  if (n === undefined) return 'not recorded';
  if (n === null) return 'none (unshaped)';
  // Shares are weights (`mobile:25,dsl:20,…`): shown as the part of the audience each is.
  const total = n.reduce((a, e) => a + e.share, 0);
  return n.map((e) => `${e.name} ${formatPercent(total > 0 ? e.share / total : 0)}`).join(', ');
}

function other(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatCount(value);
  return JSON.stringify(value);
}

/** The rows of the settings table, in reading order. */
export function runRows(run: ReportRun): [string, string][] {
  const rows: [string, string][] = [];
  const add = (k: string, v: string | undefined) => {
    if (v !== undefined) rows.push([k, v]);
  };
  add('command', run.command);
  add('control', run.control);
  add('sessions', run.sessions === undefined ? undefined : formatCount(run.sessions));
  add('duration', run.durationSec === undefined ? undefined : sec(run.durationSec));
  add('ramp', run.rampSec === undefined ? undefined : sec(run.rampSec));
  add('titles', run.titles ? `${run.titles.join(', ')} (${run.titles.length})` : undefined);
  add('networks', run.audience ? networksText(run) : undefined);
  add('seed', run.audience?.seed === undefined ? undefined : String(run.audience.seed));
  if (run.audience) {
    const { networks: _n, seed: _s, ...rest } = run.audience;
    const words = Object.entries(rest)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('–') : String(v)}`);
    if (words.length > 0) add('audience', words.join(', '));
  }
  const b = run.buffer;
  add(
    'buffer',
    b
      ? `start after ${b.startupSec ?? '?'} s, resume after ${b.rebufferSec ?? '?'} s, at most ${b.maxBufferSec ?? '?'} s ahead`
      : undefined,
  );
  add('worker threads', run.workers === undefined ? undefined : String(run.workers));
  add('game day', Array.isArray(run['gameDay']) ? (run['gameDay'] as unknown[]).join(', ') : undefined);
  add('started', run.startedAtMs === undefined ? undefined : formatDateTime(run.startedAtMs));
  add('ended', run.endedAtMs === undefined ? undefined : formatDateTime(run.endedAtMs));
  for (const [k, v] of Object.entries(run)) {
    if (!SHOWN.has(k) && v !== undefined) add(k, other(v));
  }
  add(
    'versions',
    run.versions
      ? Object.entries(run.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
      : undefined,
  );
  const m = run.machine;
  add(
    'machine',
    m
      ? `${m.cores} cores, ${m.cpuModel}, ${formatBytes(m.memoryBytes)} memory, ${m.os}, node ${m.node}, host ${m.hostname}`
      : undefined,
  );
  return rows;
}

export function renderRunSettings(run: ReportRun): string {
  return `<h2>Run settings</h2>\n${kv(runRows(run), ' class="run-settings"')}`;
}

/** The simulator's own load, one row per figure. */
export function selfLoadRows(l: SelfLoad): [string, string][] {
  const threads = l.threads ?? 1;
  return [
    [
      'CPU (user + system)',
      `${l.cpuPercent.toFixed(0)} % of one core${l.cpuMachinePercent !== undefined ? `, ${l.cpuMachinePercent.toFixed(0)} % of the machine (${l.cores ?? '?'} cores)` : ''}`,
    ],
    ['threads running sessions', String(threads)],
    [
      `event-loop delay${threads > 1 ? ' (worst thread)' : ''}`,
      `p50 ${l.loopDelayP50Ms.toFixed(1)} ms, p99 ${l.loopDelayP99Ms.toFixed(1)} ms, max ${l.loopDelayMaxMs.toFixed(0)} ms`,
    ],
    ...(l.wallMs !== undefined ? ([['measured over', formatMs(l.wallMs)]] as [string, string][]) : []),
  ];
}

export function renderSelfLoad(l: SelfLoad | undefined): string {
  const head = '<h2>Simulator health</h2>';
  if (!l) return `${head}\n<p class="note">Not measured for this run.</p>`;
  const warning = selfLoadWarning(l);
  return [
    head,
    warning
      ? `<p class="warning" role="alert">${escapeHtml(warning)}</p>`
      : '<p class="ok">The simulator kept up: its event loop and CPU were not the bottleneck.</p>',
    kv(selfLoadRows(l), ' class="self-load"'),
    `<p class="note">${escapeHtml('The simulator’s own process during the run. Event-loop delay: how late its timers fired (monitorEventLoopDelay); a p99 above 100 ms, or CPU above 90 % of a core per thread, means players waited on the simulator, so stalls and startup times in this report measure it rather than the appliances.')}</p>`,
  ].join('\n');
}
