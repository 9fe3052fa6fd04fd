// `ferry bench chaos`: the demo's deployment (three appliances in the east, one in the west,
// real processes) under an audience, twice. First the anchor: one appliance killed from
// outside (kill -9 by the harness, as `ferry bench failover` does). Then the game day through
// control: latency, throttle, BGP flap and kill, each run by control and carried out by the
// target's agent. Per experiment it prints when the fault took hold, when control noticed,
// how many viewers it touched, how long until they fetched elsewhere and recovered, their
// stalls, failed fetches and lost bitrate; and the two kills side by side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeExperiments, buildReport, writeReport } from '@ferry/client-sim';
import {
  type ActingRun,
  type ActingRunOptions,
  defaultGameDay,
  demoSites,
  playWhileActing,
  startDeployment,
  startGameDay,
} from '@ferry/harness';
import type { ChaosExperiment } from '@ferry/protocol';
import { writeFileAtomic } from '../common/atomic-write.js';
import { renderMarkdown, renderText } from '../common/format.js';
import { describeMachine, machineInfo } from '../common/machine.js';
import { resultBase } from '../common/result-files.js';
import { type ChaosRow, chaosTable, killComparison } from './table.js';

export interface BenchChaosOptions {
  sessions: number;
  duration: number;
  out: string;
}

const SITES = demoSites(31);
const SITE = 'isp-east';

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

type RunResult = ActingRun;

/** A fresh deployment, the audience while `act` (or the game day `steps`) acts, then stopped. */
async function run(
  dir: string,
  opts: BenchChaosOptions,
  acting: Pick<ActingRunOptions, 'act' | 'steps'>,
  signal: AbortSignal,
): Promise<RunResult> {
  const d = await startDeployment({
    dir,
    appliances: SITES,
    content: { titles: 2, minutes: 2, seed: 'chaos' },
    chaos: true,
    say: log,
    signal,
  });
  try {
    return await playWhileActing(d, {
      ...acting,
      sessions: opts.sessions,
      durationSec: opts.duration,
      say: log,
      signal,
    });
  } finally {
    await d.topo.stop();
  }
}

export async function runBenchChaos(opts: BenchChaosOptions): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ferry-bench-chaos-'));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    const steps = defaultGameDay(opts.duration, SITE);
    const killStep = steps.find((s) => s.request.kind === 'kill')!;
    log(
      `anchor: ${opts.sessions} viewers for ${opts.duration} s; the same game day, but the kill at ${killStep.atSec} s is a kill -9 from outside`,
    );
    let outsideKillAtMs = 0;
    let victim = '';
    const anchor = await run(
      join(root, 'anchor'),
      opts,
      {
        act: (topo, started, health) => {
          const rest = startGameDay(
            topo.client(5000),
            steps.filter((s) => s !== killStep),
            { say: log, startedAtMs: started, pick: (site) => health.busiest(site) },
          );
          const t = setTimeout(
            () => {
              victim = health.busiest(SITE) ?? '';
              outsideKillAtMs = Date.now();
              if (victim) topo.kill(victim);
              log(
                `[${Math.round((outsideKillAtMs - started) / 1000)} s] kill -9 of ${victim || 'nothing (none healthy)'}`,
              );
            },
            Math.max(0, started + killStep.atSec * 1000 - Date.now()),
          );
          return {
            cancel: () => {
              clearTimeout(t);
              rest.cancel();
            },
          };
        },
      },
      stop.signal,
    );
    log(
      `game day: ${opts.sessions} viewers for ${opts.duration} s; ${steps.map((s) => `${s.request.kind} at ${s.atSec} s`).join(', ')}`,
    );
    const gameDay = await run(join(root, 'game-day'), opts, { steps }, stop.signal);

    // The anchor's kill, described as an experiment of the same length, so one analysis
    // measures both kills over the same window.
    const outsideKill: ChaosExperiment = {
      id: 'outside-kill',
      kind: 'kill',
      target: { appliance: victim },
      appliances: [victim],
      params: {},
      durationSec: killStep.request.durationSec,
      state: 'ended',
      source: 'operator',
      createdBy: 'harness',
      createdAtMs: outsideKillAtMs,
      startAtMs: outsideKillAtMs,
      startedAtMs: outsideKillAtMs,
      endsAtMs: outsideKillAtMs + killStep.request.durationSec * 1000,
    };
    const [outsideReport] = analyzeExperiments(anchor.sessions, [outsideKill], {
      healthChanges: anchor.health,
    });
    const outside = outsideReport!.analysis!;
    const rows: ChaosRow[] = [];
    for (const { experiment: e, analysis } of analyzeExperiments(gameDay.sessions, gameDay.experiments, {
      healthChanges: gameDay.health,
    })) {
      if (!analysis) continue;
      const exit = gameDay.exits.find((x) => x.byChaos && e.appliances.includes(x.id));
      const begin = e.startedAtMs ?? e.startAtMs;
      rows.push({
        label: `${e.kind} ${e.appliances.join(',')}`,
        analysis,
        ...(e.kind === 'kill' ? { exitAfterMs: exit ? exit.atMs - begin : null } : {}),
      });
    }
    rows.push({ label: `kill ${victim} from outside (anchor)`, analysis: outside, exitAfterMs: 0 });
    const chaosKill = rows.find((r) => r.analysis.kind === 'kill' && r.analysis.id !== 'outside-kill');

    const date = new Date();
    const machine = machineInfo();
    const table = chaosTable(rows);
    const comparison = chaosKill
      ? killComparison(chaosKill.analysis, outside, chaosKill.exitAfterMs ?? null)
      : undefined;
    const header = [
      `ferry bench chaos — ${date.toISOString()}`,
      ...describeMachine(machine),
      `${opts.sessions} viewers for ${opts.duration} s per run over 4 appliances in 2 sites (real processes), two runs: the anchor (kill -9 from outside) and the game day through control`,
      'times are from each experiment\'s start; "detected": control marked a target not healthy; "failed fetches": segment fetches that failed over',
    ];
    process.stdout.write(
      `${[...header, '', renderText(table), ...(comparison ? ['', renderText(comparison)] : [])].join('\n')}\n`,
    );
    for (const e of gameDay.experiments.filter((x) => x.state !== 'running' && x.startedAtMs === undefined))
      process.stdout.write(
        `refused: ${e.kind} ${e.appliances.join(',')}: ${e.refusal?.rule} ${e.refusal?.message}\n`,
      );

    const base = resultBase(opts.out, 'chaos', date);
    await writeFileAtomic(
      `${base}.json`,
      `${JSON.stringify({ date: date.toISOString(), machine, options: opts, rows, experiments: gameDay.experiments, outsideKill, health: { anchor: anchor.health, gameDay: gameDay.health }, exits: { anchor: anchor.exits, gameDay: gameDay.exits } }, null, 2)}\n`,
    );
    await writeFileAtomic(
      `${base}.md`,
      `${[`# ${header[0]}`, '', ...header.slice(1).map((l) => `${l}  `), '', renderMarkdown(table), '', ...(comparison ? [renderMarkdown(comparison), ''] : [])].join('\n')}`,
    );
    const reportOf = (r: RunResult, experiments: ChaosExperiment[], name: string) =>
      writeReport(
        buildReport(r.sessions, {
          experiments,
          chaos: { healthChanges: r.health },
          run: { command: `ferry bench chaos (${name})`, ...r.run },
        }),
        `${base}-${name}.html`,
        `ferry bench chaos — ${name}`,
      );
    const a = await reportOf(anchor, [outsideKill], 'anchor');
    const g = await reportOf(gameDay, gameDay.experiments, 'game-day');
    process.stdout.write(`wrote ${base}.json, ${base}.md, ${a.html}, ${g.html}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    rmSync(root, { recursive: true, force: true });
  }
}
