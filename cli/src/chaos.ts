// `ferry chaos run|list|abort`: chaos experiments at a running control (docs/chaos.md) over
// its API, with an operator token from --token or FERRY_TOKEN. Control judges every request
// (params, safety rules); the CLI only shapes it and prints what control answers.
import type { ChaosExperiment, ChaosExperimentRequest, ChaosParams } from '@ferry/protocol';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseNonNegativeInt, parsePositiveInt, withControl } from './parse.js';

// Listed here for --help and to refuse a typo before any call; control checks them again.
const KINDS = ['kill', 'latency', 'throttle', 'errors', 'disk', 'bgp-flap', 'isolate', 'site-outage'];
const FAULTS = KINDS.filter((k) => k !== 'site-outage');
const STATES = ['planned', 'running', 'ended', 'aborted', 'refused'];

interface ControlOpts {
  control: string;
  token?: string;
}

interface RunOpts extends ControlOpts {
  kind: ChaosExperimentRequest['kind'];
  appliance?: string;
  site?: string;
  duration: number;
  startIn?: number;
  delayMs?: number;
  jitterMs?: number;
  fraction?: number;
  bytesPerSec?: number;
  perConnectionBytesPerSec?: number;
  mode?: '503' | 'reset';
  disk?: string;
  downSec?: number;
  as?: ChaosParams['as'];
  reason?: string;
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError(`expected a share from 0 to 1, got "${value}"`);
  return n;
}

async function client(opts: ControlOpts) {
  const { operatorClient } = await import('@ferry/control');
  return operatorClient(opts);
}

/** The request `ferry chaos run` flags describe. */
export function requestOf(opts: RunOpts, nowMs = Date.now()): ChaosExperimentRequest {
  if ((opts.appliance === undefined) === (opts.site === undefined)) {
    throw new InvalidArgumentError('name one target: --appliance ID, or --site NAME for site-outage');
  }
  const params: ChaosParams = {};
  for (const key of [
    'delayMs',
    'jitterMs',
    'fraction',
    'bytesPerSec',
    'perConnectionBytesPerSec',
    'mode',
    'disk',
    'downSec',
    'as',
  ] as const) {
    if (opts[key] !== undefined) Object.assign(params, { [key]: opts[key] });
  }
  return {
    kind: opts.kind,
    target: opts.appliance !== undefined ? { appliance: opts.appliance } : { site: opts.site as string },
    durationSec: opts.duration,
    ...(opts.startIn ? { startAtMs: nowMs + opts.startIn * 1000 } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
  };
}

function when(ms: number | undefined): string {
  return ms === undefined ? '-' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function note(e: ChaosExperiment): string {
  if (e.refusal) return `${e.refusal.rule}: ${e.refusal.message}`;
  if (e.abortReason) return e.abortReason;
  const params = Object.entries(e.params).map(([k, v]) => `${k}=${v}`);
  return [params.join(' '), e.reason ?? ''].filter(Boolean).join('; ');
}

/** Experiments as aligned columns, one per line. */
export function chaosTable(experiments: readonly ChaosExperiment[]): string {
  const rows = [
    ['ID', 'STATE', 'KIND', 'TARGET', 'START', 'END', 'BY', 'NOTE'],
    ...experiments.map((e) => [
      e.id,
      e.state,
      e.kind,
      e.target.appliance ?? `site ${e.target.site}`,
      when(e.startedAtMs ?? e.startAtMs),
      when(e.endedAtMs ?? e.endsAtMs),
      e.createdBy,
      note(e),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n')
    .concat('\n');
}

export async function runChaosRun(opts: RunOpts): Promise<void> {
  if (!KINDS.includes(opts.kind)) {
    throw new InvalidArgumentError(`--kind must be one of ${KINDS.join(', ')}, got "${opts.kind}"`);
  }
  const exp = await (await client(opts)).runChaos(requestOf(opts));
  process.stdout.write(chaosTable([exp]));
  const target = exp.appliances.join(', ');
  process.stderr.write(
    exp.state === 'running'
      ? `experiment ${exp.id} running on ${target} until ${when(exp.endsAtMs)}\n`
      : `experiment ${exp.id} planned on ${target} from ${when(exp.startAtMs)}\n`,
  );
}

export async function runChaosList(opts: ControlOpts & { state?: ChaosExperiment['state'] }): Promise<void> {
  process.stdout.write(chaosTable(await (await client(opts)).listChaos(opts.state)));
}

export async function runChaosAbort(
  id: string | undefined,
  opts: ControlOpts & { all?: boolean },
): Promise<void> {
  if ((id === undefined) === !opts.all) throw new InvalidArgumentError('abort one experiment ID, or --all');
  const c = await client(opts);
  const aborted = id === undefined ? await c.abortAllChaos() : [await c.abortChaos(id)];
  process.stdout.write(chaosTable(aborted));
  if (id === undefined) process.stderr.write(`aborted ${aborted.length} experiment(s)\n`);
}

export function registerChaos(program: Command): void {
  const chaos = program
    .command('chaos')
    .description('chaos experiments at a running control: run, list, abort (docs/chaos.md; operator token)');
  const withApi = (cmd: Command) =>
    withControl(cmd, 'operator token (default: $FERRY_TOKEN); list needs viewer, run and abort operator');

  withApi(
    chaos
      .command('run')
      .description(
        'run an experiment on one appliance (or a whole site with site-outage), now or --start-in; ' +
          'control refuses it, naming the safety rule, when it would hurt viewers',
      ),
  )
    .requiredOption('--kind <kind>', `what to do: ${KINDS.join(', ')}`)
    .option('--appliance <id>', 'the target appliance (every kind but site-outage)')
    .option('--site <name>', 'the target site (site-outage)')
    .requiredOption('--duration <seconds>', 'how long the fault lasts (at most 3600)', parsePositiveInt)
    .option('--start-in <seconds>', 'start this many seconds from now (default: now)', parseNonNegativeInt)
    .option('--delay-ms <ms>', 'latency: delay before the first byte of a response', parseNonNegativeInt)
    .option(
      '--jitter-ms <ms>',
      'latency: the delay varies by up to this much either way',
      parseNonNegativeInt,
    )
    .option('--fraction <share>', 'latency, errors: the share of requests affected, 0-1', parseFraction)
    .option('--bytes-per-sec <n>', 'throttle: cap on the whole appliance (at least 1024)', parsePositiveInt)
    .option(
      '--per-connection-bytes-per-sec <n>',
      'throttle: cap on each connection (at least 1024)',
      parsePositiveInt,
    )
    .addOption(
      new Option('--mode <mode>', 'errors: 503 before anything is sent, or reset half-way').choices([
        '503',
        'reset',
      ]),
    )
    .option('--disk <id>', 'disk: the store disk to fail (default: the first healthy one)')
    .option(
      '--down-sec <seconds>',
      'bgp-flap: seconds the session stays down (default: the whole duration)',
      parsePositiveInt,
    )
    .addOption(
      new Option(
        '--as <kind>',
        'site-outage: what each appliance of the site suffers (default kill)',
      ).choices(FAULTS),
    )
    .option('--reason <text>', 'a note for the event log')
    .action(runChaosRun);

  withApi(chaos.command('list').description('experiments, newest first, as a table'))
    .addOption(new Option('--state <state>', 'only experiments in this state').choices(STATES))
    .action(runChaosList);

  withApi(chaos.command('abort').description('abort one experiment, or every planned and running one'))
    .argument('[id]', 'the experiment id (ferry chaos list shows them)')
    .option('--all', 'abort every planned and running experiment', false)
    .action(runChaosAbort);
}
