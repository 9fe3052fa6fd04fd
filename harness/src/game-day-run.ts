// One run of an audience on a deployment while something acts on the fleet (a game day
// through control, or a kill from outside), with control's view of health watched the whole
// time; then the experiments control recorded during the run, in the order they started.
// Shared by `ferry demo` and `ferry bench chaos`. The run also says how it was set up and how
// loaded the simulating process itself was, for the report's settings and health sections.
import {
  type AudienceSettings,
  audienceRunSettings,
  type BufferConfig,
  bufferRunSettings,
  type ReportRun,
  type SelfLoad,
  type SessionQoe,
  watchSelfLoad,
} from '@ferry/client-sim';
import type { ChaosExperiment } from '@ferry/protocol';
import { demoViewerAddress, playViewers } from './audience.js';
import type { Deployment } from './deployment.js';
import { type GameDayStep, startGameDay } from './game-day.js';
import { type HealthChange, type HealthWatch, watchHealth } from './health-watch.js';
import type { ApplianceExit, Topology } from './topology.js';

export interface ActingRunOptions {
  sessions: number;
  durationSec: number;
  /** what acts on the fleet; default: the game day `steps`, aimed by the health watch */
  act?: (topo: Topology, startedAtMs: number, health: HealthWatch) => { cancel(): void };
  steps?: readonly GameDayStep[];
  /** the audience's networks, arrivals, … over the planner's defaults */
  audience?: Partial<AudienceSettings>;
  buffer?: Partial<BufferConfig>;
  say?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ActingRun {
  startedAtMs: number;
  sessions: SessionQoe[];
  experiments: ChaosExperiment[];
  health: readonly HealthChange[];
  exits: ApplianceExit[];
  /** the run's settings and the simulator's own CPU and event-loop delay, for buildReport's `run` */
  run: ReportRun;
}

export async function playWhileActing(d: Deployment, opts: ActingRunOptions): Promise<ActingRun> {
  const client = d.topo.client(5000);
  const health = watchHealth(client);
  const startedAtMs = Date.now();
  const act =
    opts.act?.(d.topo, startedAtMs, health) ??
    startGameDay(client, opts.steps ?? [], {
      say: opts.say,
      startedAtMs,
      pick: (site) => health.busiest(site),
    });
  let sessions: SessionQoe[];
  let selfLoad: SelfLoad;
  const load = watchSelfLoad();
  try {
    sessions = await playViewers({
      control: d.topo.controlUrl,
      catalog: d.catalog,
      sessions: opts.sessions,
      durationSec: opts.durationSec,
      addressOf: demoViewerAddress,
      ...(opts.audience ? { audience: opts.audience } : {}),
      ...(opts.buffer ? { buffer: opts.buffer } : {}),
      signal: opts.signal,
    });
  } finally {
    selfLoad = load.stop();
    act.cancel();
    await health.stop();
  }
  const endedAtMs = Date.now();
  const experiments = (await client.listChaos().catch(() => []))
    .filter((e) => e.createdAtMs >= startedAtMs)
    .sort((a, b) => a.startAtMs - b.startAtMs);
  const run: ReportRun = {
    control: d.topo.controlUrl,
    sessions: opts.sessions,
    durationSec: opts.durationSec,
    titles: d.catalog.titles.map((t) => t.id),
    audience: audienceRunSettings(opts.audience),
    buffer: bufferRunSettings(opts.buffer),
    ...(opts.steps ? { gameDay: opts.steps.map((s) => `${s.request.kind} at ${s.atSec} s`) } : {}),
    startedAtMs,
    endedAtMs,
    selfLoad,
  };
  return { startedAtMs, sessions, experiments, health: health.changes, exits: [...d.topo.exits], run };
}
