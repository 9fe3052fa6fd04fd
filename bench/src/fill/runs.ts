// One Ferry run of `ferry bench fill`: a fresh control and fresh appliances (fleet.ts) fill
// the set from the origin; measured from the appliances' readiness until control's view says
// every one holds what it wants: time, the origin's reads (counting proxy), each appliance's
// CPU (/proc) and event-loop p99 over that window (one /metrics scrape at each end), the bytes
// each filler took per kind of source. With `load`, autocannon plays against the first
// appliance during the fill, then the same load again once it is full: the reference for the
// event loop and the load's own figures.
import { rmSync } from 'node:fs';
import type { ProcessGroup } from '@ferry/harness';
import type { AutocannonLoad } from '../common/autocannon-child.js';
import { cpuMs } from '../common/proc-stat.js';
import { originReads } from './counting-proxy.js';
import { waitFilled } from './fill-watch.js';
import { type FillFleet, startFillFleet } from './fleet.js';
import { servedCopies } from './holdings.js';
import { loadRequests, runLoad, signingKey } from './load.js';
import { readSample, scrapeMetrics } from './metrics.js';
import type { BenchOrigin } from './origin.js';
import type { FillPlan } from './plan.js';

export interface LoadSettings {
  connections: number;
  durationSec: number;
  repoRoot: string;
}

export interface FerryRun {
  readonly appliances: number;
  readonly error?: string;
  readonly elapsedMs: number | null;
  readonly originGets: number;
  readonly originBytes: number;
  /** summed over the appliances */
  readonly cpuMs: number | null;
  /** the worst appliance's */
  readonly eventLoopP99Ms: number | null;
  /** summed over the appliances, from their fill metrics; {} when they have none */
  readonly fillBytesBySource: Record<string, number>;
  /** copies of the fill set served at the end, over all appliances; files no one serves */
  readonly copies: number | null;
  readonly missing: readonly string[];
  readonly load?: {
    readonly during: AutocannonLoad | null;
    readonly after: AutocannonLoad | null;
    readonly afterEventLoopP99Ms: number | null;
  };
}

export interface FerryRunInput {
  group: ProcessGroup;
  dir: string;
  plan: FillPlan;
  origin: BenchOrigin;
  catalogPath: string;
  contentDir: string;
  appliances: readonly { id: string; address: string }[];
  fillConcurrency: number;
  fillRate?: number;
  capacityBytes?: number;
  manifestIntervalSec?: number;
  timeoutMs: number;
  load?: LoadSettings;
  say: (line: string) => void;
}

const maxOrNull = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
};

async function measure(fleet: FillFleet, input: FerryRunInput): Promise<FerryRun> {
  const cpu0 = await Promise.all(fleet.appliances.map((a) => cpuMs(a.child.pid)));
  // The first scrape opens each appliance's event-loop window.
  await Promise.all(fleet.appliances.map((a) => scrapeMetrics(a.adminUrl)));
  const startedAtMs = Math.min(...fleet.appliances.map((a) => a.readyAtMs));
  const key = signingKey(fleet.keyFile);
  const target = fleet.appliances[0]!;
  const requests = input.load ? loadRequests(input.plan.serve, key, Math.floor(Date.now() / 1000)) : [];
  const loadRun = (name: string) =>
    runLoad({
      group: input.group,
      repoRoot: input.load!.repoRoot,
      dir: input.dir,
      url: target.url,
      connections: input.load!.connections,
      durationSec: input.load!.durationSec,
      requests,
      name,
    });
  const during = input.load ? loadRun('during').catch(() => null) : undefined;

  const wait = await waitFilled({
    controlUrl: fleet.controlUrl,
    token: fleet.token,
    appliances: fleet.appliances,
    timeoutMs: input.timeoutMs,
  });
  const doneAtMs = wait.doneAtMs;
  const samples = await Promise.all(
    fleet.appliances.map(async (a) => readSample(await scrapeMetrics(a.adminUrl))),
  );
  const cpu1 = await Promise.all(fleet.appliances.map((a) => cpuMs(a.child.pid)));
  const reads = originReads(input.origin.proxy.counts());
  const fillBytesBySource: Record<string, number> = {};
  for (const s of samples)
    for (const [k, v] of Object.entries(s.fillBytes)) fillBytesBySource[k] = (fillBytesBySource[k] ?? 0) + v;

  let load: FerryRun['load'];
  if (during) {
    const duringResult = await during;
    await scrapeMetrics(target.adminUrl);
    const after = await loadRun('after').catch(() => null);
    load = {
      during: duringResult,
      after,
      afterEventLoopP99Ms: readSample(await scrapeMetrics(target.adminUrl)).eventLoopP99Ms,
    };
  }
  const holdings = await servedCopies(fleet.appliances, input.plan.fill, key);
  return {
    appliances: fleet.appliances.length,
    elapsedMs: doneAtMs - startedAtMs,
    originGets: reads.requests,
    originBytes: reads.bytes,
    cpuMs: cpu1.reduce((n, c, i) => n + c - cpu0[i]!, 0),
    eventLoopP99Ms: maxOrNull(samples.map((s) => s.eventLoopP99Ms)),
    fillBytesBySource,
    copies: [...holdings.copies.values()].reduce((n, c) => n + c, 0),
    missing: holdings.missing,
    ...(load ? { load } : {}),
  };
}

/** One run; a failure (an appliance that does not start or fill) is its result, not a throw. */
export async function runFerryFill(input: FerryRunInput): Promise<FerryRun> {
  input.origin.proxy.reset();
  let fleet: FillFleet | undefined;
  try {
    fleet = await startFillFleet({ ...input, serve: input.plan.serve });
    input.say(
      `  control ${fleet.controlUrl}; ${fleet.appliances.map((a) => `${a.id} ${a.url}`).join(', ')}: filling`,
    );
    return await measure(fleet, input);
  } catch (err) {
    const reads = originReads(input.origin.proxy.counts());
    return {
      appliances: input.appliances.length,
      error: (err as Error).message,
      elapsedMs: null,
      originGets: reads.requests,
      originBytes: reads.bytes,
      cpuMs: null,
      eventLoopP99Ms: null,
      fillBytesBySource: {},
      copies: null,
      missing: [],
    };
  } finally {
    await fleet?.stop();
    rmSync(input.dir, { recursive: true, force: true });
  }
}
