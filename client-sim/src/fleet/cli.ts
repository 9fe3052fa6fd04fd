// `ferry sim`: flags checked here (every mistake named before anything starts), then a
// fleet run, a summary table on stdout and the HTML + JSON report. Exit status: the command
// throws (non-zero) only when the run could not start, or when control's chaos experiments
// were asked for and could not be read (the report is written first); viewer failures are
// measurements and go into the report.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { ChaosExperiment } from '@ferry/protocol';
import { buildReport } from '../report/aggregate.js';
import { fetchChaosExperiments } from '../report/chaos-fetch.js';
import type { ExperimentReport } from '../report/chaos-report.js';
import { experimentsDuring } from '../report/chaos-window.js';
import { writeReport } from '../report/write.js';
import { defaultRampSec, type FleetProgress, type FleetResult } from './fleet.js';
import { runFleetThreads } from './fleet-threads.js';
import { FleetSetupError } from './setup-error.js';
import { sourceAddresses } from './source-addresses.js';
import { fleetTotals, progressLine, renderSummary } from './summary.js';
import { titleIdsFromCatalog } from './titles.js';

export interface SimFlags {
  control: string;
  sessions: number | string;
  duration: number | string;
  sourceCidr?: string;
  report?: string;
  /** comma-separated title ids */
  titles?: string;
  /** catalog.json to take title ids from */
  catalog?: string;
  ramp?: number | string;
  /** worker threads; default one per SESSIONS_PER_THREAD sessions, at most one per core */
  workers?: number | string;
  /** at the end, read control's chaos experiments and analyse those the run overlapped */
  chaosFromControl?: boolean;
  /** operator token for --chaos-from-control; default $FERRY_TOKEN */
  token?: string;
}

/** Sessions one event loop holds without distorting what it measures (docs/client-sim.md). */
export const SESSIONS_PER_THREAD = 1000;

export interface SimIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** listen for SIGINT/SIGTERM to end the run early (the report is still written) */
  handleSignals: boolean;
}

export interface SimOutcome {
  result: FleetResult;
  html: string;
  json: string;
  /** with --chaos-from-control: the experiments the run overlapped, analysed */
  experiments?: ExperimentReport[];
}

const usage = (message: string) => new FleetSetupError('FERRY_ERR_SIM_USAGE', message);

function number(name: string, value: number | string, min: number, integer: boolean): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw usage(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${value}"`);
  }
  return n;
}

export async function runSim(flags: SimFlags, io: Partial<SimIo> = {}): Promise<SimOutcome> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let control: URL;
  try {
    control = new URL(flags.control);
  } catch {
    throw usage(`--control must be a URL such as http://127.0.0.1:8000, got "${flags.control}"`);
  }
  if (control.protocol !== 'http:' && control.protocol !== 'https:') {
    throw usage(`--control must be an http(s) URL, got "${flags.control}"`);
  }
  const sessions = number('sessions', flags.sessions, 1, true);
  const durationSec = number('duration', flags.duration, 1, false);
  const rampSec =
    flags.ramp === undefined ? defaultRampSec(durationSec) : number('ramp', flags.ramp, 0, false);
  if (rampSec >= durationSec)
    throw usage(`--ramp (${rampSec} s) must be shorter than --duration (${durationSec} s)`);
  // Checked now so a bad prefix fails before control is contacted.
  if (flags.sourceCidr) sourceAddresses(flags.sourceCidr, 1);
  if (flags.titles && flags.catalog) throw usage('give either --titles or --catalog, not both');
  const titleIds = flags.titles
    ? flags.titles
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0)
    : flags.catalog
      ? await titleIdsFromCatalog(flags.catalog)
      : [];
  if (titleIds.length === 0) {
    throw usage('no titles: pass --titles ID,… or --catalog catalog.json (control has no title listing)');
  }
  const workers =
    flags.workers === undefined
      ? Math.min(availableParallelism(), Math.ceil(sessions / SESSIONS_PER_THREAD))
      : number('workers', flags.workers, 1, true);
  const reportPath = resolve(flags.report ?? 'sim-report.html');
  const controlUrl = control.toString().replace(/\/$/, '');
  const token = flags.token ?? process.env['FERRY_TOKEN'];
  if (flags.chaosFromControl && !token)
    throw usage('--chaos-from-control needs an operator token (role viewer): --token TOKEN or FERRY_TOKEN');
  const readChaos = () => fetchChaosExperiments({ control: controlUrl, token: token ?? '' });
  // Read once now, so a refused token or a control without chaos stops the command before
  // the run rather than after it.
  if (flags.chaosFromControl) await readChaos();

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  if (io.handleSignals ?? true) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  // On a terminal the line is redrawn in place every second; in a log, one line per 5 s.
  const tty = stderr.isTTY === true;
  let lastPrinted = -1;
  const onProgress = (p: FleetProgress) => {
    if (tty) {
      stderr.write(`\r${progressLine(p)}\x1b[K`);
      return;
    }
    const slot = Math.floor(p.elapsedMs / 5000);
    if (slot > lastPrinted) {
      lastPrinted = slot;
      stderr.write(`${progressLine(p)}\n`);
    }
  };
  let result: FleetResult;
  const runStartMs = Date.now();
  try {
    result = await runFleetThreads({
      workers,
      control: controlUrl,
      sessions,
      durationSec,
      titleIds,
      rampSec,
      ...(flags.sourceCidr ? { sourceCidr: flags.sourceCidr } : {}),
      onProgress,
      signal: abort.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tty) stderr.write('\n');
  }
  const runEndMs = Date.now();
  let experiments: ChaosExperiment[] | undefined;
  let chaosError: unknown;
  if (flags.chaosFromControl) {
    try {
      experiments = experimentsDuring(await readChaos(), runStartMs, runEndMs);
    } catch (err) {
      // The run's records are worth more than the experiments: write them, then fail.
      chaosError = err;
    }
  }
  const fleetReport = experiments ? buildReport(result.sessions, { experiments }) : result.report;
  // The report carries how it was produced, so a JSON file read later explains itself.
  const report = {
    ...fleetReport,
    run: {
      control: control.toString(),
      sessions,
      durationSec,
      rampSec: result.rampSec,
      sourceCidr: flags.sourceCidr ?? null,
      sourceAddresses: result.sourceAddresses,
      titles: titleIds,
      workers,
      selfLoad: result.selfLoad,
      chaosFromControl: flags.chaosFromControl === true,
      startedAtMs: runStartMs,
      endedAtMs: runEndMs,
    },
  };
  const { html, json } = await writeReport(report, reportPath, `ferry sim: ${sessions} sessions`);
  stdout.write(
    renderSummary(result.report.summary, {
      ...fleetTotals(result.sessions),
      durationSec: result.durationMs / 1000,
      sourceAddresses: result.sourceAddresses,
      selfLoad: result.selfLoad,
      ...(fleetReport.experiments ? { experiments: fleetReport.experiments } : {}),
    }),
  );
  stdout.write(`report      ${html}\n            ${json}\n`);
  if (chaosError !== undefined) {
    stderr.write('the report was written without chaos experiments\n');
    throw chaosError;
  }
  return { result, html, json, ...(fleetReport.experiments ? { experiments: fleetReport.experiments } : {}) };
}
