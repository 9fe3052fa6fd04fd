// A fleet of simulated viewers against one control: sessions start spread over a ramp,
// each from its own source address (control steers by address, so BGP steering is really
// exercised), share keep-alive connection pools, and all stop when the fleet's duration is
// up. The QoE records become one FleetReport.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CatalogTitle } from '@ferry/protocol';
import { Agent } from 'undici';
import type { AbrConfig } from '../abr/choose-bitrate.js';
import { planAudience, type ViewerPlan } from '../audience/plan.js';
import type { AudienceSettings } from '../audience/settings.js';
import { rankTitles } from '../audience/zipf.js';
import type { BufferConfig } from '../player/buffer.js';
import type { ExclusionConfig } from '../player/exclusion.js';
import type { FailoverConfig } from '../player/failover.js';
import type { SessionQoe } from '../player/qoe.js';
import { runSession } from '../player/session.js';
import { SegmentIndexCache } from '../player/steer-client.js';
import { buildReport, type FleetReport } from '../report/aggregate.js';
import { LiveCounters, type LiveSnapshot, LiveViewer, segmentIndex } from './live.js';
import { type SelfLoad, watchSelfLoad } from './self-load.js';
import { FleetSetupError } from './setup-error.js';
import { sourceAddresses } from './source-addresses.js';
import { fetchTitles } from './titles.js';

export interface FleetOptions {
  /** control base URL */
  control: string;
  sessions: number;
  durationSec: number;
  titleIds: readonly string[];
  /** IPv4 prefix the sessions' source addresses are drawn from; default: the OS picks */
  sourceCidr?: string;
  /** seconds over which session starts are spread; default min(duration / 4, 10) */
  rampSec?: number;
  /**
   * Connections per origin in each pool. A pool serves the sessions of one source address
   * (a connection has one source address, so pools cannot be shared across addresses).
   */
  connectionsPerOrigin?: number;
  buffer?: Partial<BufferConfig>;
  failover?: Partial<FailoverConfig>;
  exclusion?: Partial<ExclusionConfig>;
  abr?: AbrConfig;
  /** who arrives when, watching what over which network; defaults in audience/settings.ts */
  audience?: Partial<AudienceSettings>;
  /** the audience already planned (fleet-threads plans once for every worker) */
  plan?: readonly ViewerPlan[];
  /** called once a second with live counts */
  onProgress?: (p: FleetProgress) => void;
  progressEveryMs?: number;
  /** ends every session early (Ctrl-C); the result still covers what ran */
  signal?: AbortSignal;
  /** run only sessions i with i % count === index (one worker thread's part) */
  shard?: { index: number; count: number };
  /** unix ms the fleet's clock starts at (shared by the shards); default now */
  startAt?: number;
}

export interface FleetProgress extends LiveSnapshot {
  total: number;
  elapsedMs: number;
  /** bits per second received since the previous progress call */
  bps: number;
}

export interface FleetResult {
  sessions: SessionQoe[];
  report: FleetReport;
  /** distinct source addresses used (0 when the OS picked them) */
  sourceAddresses: number;
  rampSec: number;
  durationMs: number;
  /** the simulator's own event-loop delay and CPU during the run */
  selfLoad: SelfLoad;
}

export function defaultRampSec(durationSec: number): number {
  return Math.min(durationSec / 4, 10);
}

/** The run's audience: titles ranked by popularity, then planned (seeded, pure). */
export function fleetPlan(
  opts: FleetOptions,
  titles: readonly CatalogTitle[],
  rampSec: number,
): ViewerPlan[] {
  return planAudience({
    sessions: opts.sessions,
    durationSec: opts.durationSec,
    rampSec,
    titleIds: rankTitles(titles),
    ...(opts.audience ? { settings: opts.audience } : {}),
  });
}

export async function runFleet(opts: FleetOptions): Promise<FleetResult> {
  if (!Number.isInteger(opts.sessions) || opts.sessions <= 0) {
    throw new FleetSetupError(
      'FERRY_ERR_SIM_USAGE',
      `sessions must be a positive integer, got ${opts.sessions}`,
    );
  }
  if (!(opts.durationSec > 0)) {
    throw new FleetSetupError('FERRY_ERR_SIM_USAGE', `duration must be positive, got ${opts.durationSec}`);
  }
  if (opts.titleIds.length === 0) throw new FleetSetupError('FERRY_ERR_SIM_USAGE', 'no titles to play');
  const rampSec = opts.rampSec ?? defaultRampSec(opts.durationSec);
  if (!(rampSec >= 0 && rampSec < opts.durationSec)) {
    throw new FleetSetupError(
      'FERRY_ERR_SIM_USAGE',
      `ramp must be >= 0 and below the duration, got ${rampSec}`,
    );
  }
  if (opts.plan && opts.plan.length < opts.sessions) {
    throw new FleetSetupError(
      'FERRY_ERR_SIM_USAGE',
      `the audience plan has ${opts.plan.length} viewers for ${opts.sessions} sessions`,
    );
  }
  const addresses = opts.sourceCidr ? sourceAddresses(opts.sourceCidr, opts.sessions) : [];
  // Fails fast (control unreachable, unknown title) before any viewer starts.
  const setupPool = new Agent({ connections: 1 });
  const titles = await fetchTitles(opts.control, opts.titleIds, setupPool).finally(() => setupPool.destroy());
  const index = segmentIndex(titles);
  const segmentIndexes = new SegmentIndexCache();
  const plan = opts.plan ?? fleetPlan(opts, titles, rampSec);

  const pools = new Map<string, Agent>();
  const poolFor = (address: string | undefined): Agent => {
    const key = address ?? '';
    let agent = pools.get(key);
    if (!agent) {
      agent = new Agent({
        ...(address ? { localAddress: address } : {}),
        connections: opts.connectionsPerOrigin ?? 2,
        keepAliveTimeout: 10_000,
      });
      pools.set(key, agent);
    }
    return agent;
  };

  // One internal stop signal for every session: each session and each fetch listens to it,
  // which for thousands of sessions is far past EventTarget's leak-warning threshold.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const counters = new LiveCounters();
  const load = watchSelfLoad();
  const t0 = opts.startAt ?? Date.now();
  const endAt = t0 + opts.durationSec * 1000;
  const every = opts.progressEveryMs ?? 1000;
  let lastBytes = 0;
  let lastAt = t0;
  const progress = () => {
    const now = Date.now();
    const snap = counters.snapshot();
    const bps = now > lastAt ? ((snap.bytes - lastBytes) * 8 * 1000) / (now - lastAt) : 0;
    lastBytes = snap.bytes;
    lastAt = now;
    opts.onProgress?.({ ...snap, total: opts.sessions, elapsedMs: now - t0, bps });
  };
  const ticker = opts.onProgress ? setInterval(progress, every) : undefined;

  const results: Promise<SessionQoe>[] = [];
  try {
    const shard = opts.shard ?? { index: 0, count: 1 };
    for (let i = shard.index; i < opts.sessions && !stop.signal.aborted; i += shard.count) {
      const planned = plan[i]!;
      const startAt = t0 + planned.startSec * 1000;
      const wait = startAt - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) break;
      const remainingSec = (endAt - Date.now()) / 1000;
      if (remainingSec <= 0) break;
      const address = addresses[i];
      const viewer = new LiveViewer(counters, index, opts.buffer);
      counters.viewers.add(viewer);
      counters.started++;
      results.push(
        runSession({
          control: opts.control,
          titleId: planned.titleId,
          durationSec: remainingSec,
          watchSec: planned.watchSec,
          startFraction: planned.startFraction,
          seeks: planned.seeks,
          ...(planned.network ? { network: planned.network } : {}),
          ...(planned.startupPatienceSec !== undefined
            ? { startupPatienceSec: planned.startupPatienceSec }
            : {}),
          ...(planned.stallPatienceSec !== undefined ? { stallPatienceSec: planned.stallPatienceSec } : {}),
          id: `s${i + 1}`,
          ...(address ? { localAddress: address } : {}),
          dispatcher: viewer.wrap(poolFor(address)),
          segmentIndexes,
          ...(opts.buffer ? { buffer: opts.buffer } : {}),
          ...(opts.failover ? { failover: opts.failover } : {}),
          ...(opts.exclusion ? { exclusion: opts.exclusion } : {}),
          ...(opts.abr ? { abr: opts.abr } : {}),
          signal: stop.signal,
        }).then((qoe) => {
          counters.viewers.delete(viewer);
          counters.done++;
          counters.doneFailovers += qoe.failovers;
          counters.doneErrors += qoe.errors.length;
          return qoe;
        }),
      );
    }
    const sessions = await Promise.all(results);
    if (ticker) progress();
    return {
      sessions,
      report: buildReport(sessions),
      sourceAddresses:
        addresses.length > 0 ? new Set(sessions.map((s) => addresses[Number(s.id.slice(1)) - 1])).size : 0,
      rampSec,
      durationMs: Date.now() - t0,
      selfLoad: load.stop(),
    };
  } finally {
    if (ticker) clearInterval(ticker);
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(results);
    await Promise.all([...pools.values()].map((a) => a.destroy()));
  }
}
