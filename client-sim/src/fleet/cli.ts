// `ferry sim`: flags checked here (every mistake named before anything starts), then a
// fleet run, a summary table on stdout and the HTML + JSON report. Exit status: the command
// throws (non-zero) only when the run could not start, or when control's chaos experiments
// were asked for and could not be read (the report is written first); viewer failures are
// measurements and go into the report.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { ChaosExperiment } from '@ferry/protocol';
import { type AudienceSettings, audienceSettings } from '../audience/settings.js';
import { parseNetworkMix } from '../network/mix.js';
import { buildReport } from '../report/aggregate.js';
import { fetchChaosExperiments } from '../report/chaos-fetch.js';
import type { ExperimentReport } from '../report/chaos-report.js';
import { experimentsDuring } from '../report/chaos-window.js';
import {
  audienceRunSettings,
  bufferRunSettings,
  machineSettings,
  runVersions,
} from '../report/run-settings.js';
import { writeReport } from '../report/write.js';
import { defaultRampSec, type FleetProgress, type FleetResult } from './fleet.js';
import { runFleetThreads } from './fleet-threads.js';
import { FleetSetupError } from './setup-error.js';
import { sourceAddresses } from './source-addresses.js';
import { fleetTotals, progressLine, renderSummary } from './summary.js';
import { titleIdsFromFlags } from './titles.js';

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
  /** access-network mix, e.g. `mobile:25,dsl:20,cable:35,fibre:20`, or `none` (unshaped) */
  networks?: string;
  /** `poisson` (default) or `even` */
  arrivals?: string;
  /** how many times the arrival rate grows over the ramp */
  rampFactor?: number | string;
  /** Zipf exponent of title choice */
  zipf?: number | string;
  /** mean watch time, seconds; default the run's duration */
  watchMean?: number | string;
  /** share of viewers resuming mid-title */
  resume?: number | string;
  /** seeks per minute of watching */
  seeksPerMin?: number | string;
  /** false: viewers never give up (commander's --no-abandon) */
  abandon?: boolean;
  /** seed of the audience plan */
  seed?: string;
}

/** The audience flags as planner settings, each checked (usage errors name the flag). */
export function audienceFromFlags(flags: SimFlags): Partial<AudienceSettings> {
  const out: Partial<AudienceSettings> = {};
  if (flags.networks !== undefined) {
    out.networks = flags.networks.trim() === 'none' ? null : parseNetworkMix(flags.networks);
  }
  if (flags.arrivals !== undefined) {
    if (flags.arrivals !== 'poisson' && flags.arrivals !== 'even') {
      throw usage(`--arrivals must be poisson or even, got "${flags.arrivals}"`);
    }
    out.arrivals = flags.arrivals;
  }
  if (flags.rampFactor !== undefined) out.rampFactor = number('ramp-factor', flags.rampFactor, 0.01, false);
  if (flags.zipf !== undefined) out.zipf = number('zipf', flags.zipf, 0, false);
  if (flags.watchMean !== undefined) out.watchMeanSec = number('watch-mean', flags.watchMean, 1, false);
  if (flags.resume !== undefined) out.resumeShare = number('resume', flags.resume, 0, false);
  if (flags.seeksPerMin !== undefined) out.seeksPerMin = number('seeks-per-min', flags.seeksPerMin, 0, false);
  if (flags.abandon === false) {
    out.startupAbandon = false;
    out.stallPatienceSec = undefined;
  }
  if (flags.seed !== undefined) {
    if (flags.seed.trim() === '') throw usage('--seed must not be empty');
    out.seed = flags.seed;
  }
  // Range checks (zipf <= 5, resume <= 1, …) with the same messages as any other caller.
  audienceSettings(out);
  return out;
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
  const titleIds = await titleIdsFromFlags(flags, usage);
  const workers =
    flags.workers === undefined
      ? Math.min(availableParallelism(), Math.ceil(sessions / SESSIONS_PER_THREAD))
      : number('workers', flags.workers, 1, true);
  const audience = audienceFromFlags(flags);
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
      audience,
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
      command: 'ferry sim',
      control: control.toString(),
      sessions,
      durationSec,
      rampSec: result.rampSec,
      sourceCidr: flags.sourceCidr ?? null,
      sourceAddresses: result.sourceAddresses,
      titles: titleIds,
      workers,
      audience: audienceRunSettings(audience),
      buffer: bufferRunSettings(),
      selfLoad: result.selfLoad,
      chaosFromControl: flags.chaosFromControl === true,
      startedAtMs: runStartMs,
      endedAtMs: runEndMs,
      versions: runVersions(),
      machine: machineSettings(),
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
