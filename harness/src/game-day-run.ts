// One run of an audience on a deployment while something acts on the fleet (a game day
// through control, or a kill from outside), with control's view of health watched the whole
// time; then the experiments control recorded during the run, in the order they started.
// Shared by `ferry demo` and `ferry bench chaos`.
import type { AudienceSettings, BufferConfig, SessionQoe } from '@ferry/client-sim';
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
    act.cancel();
    await health.stop();
  }
  const experiments = (await client.listChaos().catch(() => []))
    .filter((e) => e.createdAtMs >= startedAtMs)
    .sort((a, b) => a.startAtMs - b.startAtMs);
  return { startedAtMs, sessions, experiments, health: health.changes, exits: [...d.topo.exits] };
}
