// An audience of simulated viewers for the demo and the failover benchmark: each viewer
// is one player session bound to its own source address in its network, planned by
// client-sim's audience planner (Poisson arrivals over the first seconds of the run, Zipf
// title choice, access networks, watch time, abandonment, resumes and seeks), the same
// planner and defaults `ferry sim` uses.
import { setMaxListeners } from 'node:events';
import {
  type AudienceSettings,
  type BufferConfig,
  type ExclusionConfig,
  planAudience,
  rankTitles,
  runSession,
  type SessionQoe,
  type ViewerPlan,
} from '@ferry/client-sim';
import type { Catalog } from '@ferry/protocol';

export interface AudienceOptions {
  control: string;
  catalog: Catalog;
  sessions: number;
  durationSec: number;
  /** source address of viewer i */
  addressOf(i: number): string;
  /** audience settings over the planner's defaults (networks, arrivals, zipf, seed, …) */
  audience?: Partial<AudienceSettings>;
  /** a plan made beforehand; overrides `audience` */
  plan?: readonly ViewerPlan[];
  exclusion?: Partial<ExclusionConfig>;
  buffer?: Partial<BufferConfig>;
  signal?: AbortSignal;
}

/** Viewers alternate between the east (127.64/16) and west (127.65/16) client networks. */
export function demoViewerAddress(i: number): string {
  const east = i % 2 === 0;
  return `127.${east ? 64 : 65}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

/** Arrivals are spread over the first tenth of the run, at most 5 s. */
export function audienceRampSec(durationSec: number): number {
  return Math.min(5, durationSec / 10);
}

export function planViewers(opts: AudienceOptions): readonly ViewerPlan[] {
  return (
    opts.plan ??
    planAudience({
      sessions: opts.sessions,
      durationSec: opts.durationSec,
      rampSec: audienceRampSec(opts.durationSec),
      titleIds: rankTitles(opts.catalog.titles),
      ...(opts.audience ? { settings: opts.audience } : {}),
    })
  );
}

export async function playViewers(opts: AudienceOptions): Promise<SessionQoe[]> {
  // Every viewer listens on the one stop signal.
  if (opts.signal) setMaxListeners(opts.sessions + 10, opts.signal);
  const plan = planViewers(opts);
  const runs: Promise<SessionQoe>[] = [];
  for (const p of plan) {
    if (opts.signal?.aborted) break;
    const delayMs = p.startSec * 1000;
    runs.push(
      new Promise<void>((r) => setTimeout(r, delayMs)).then(() =>
        runSession({
          id: `viewer-${p.index + 1}`,
          control: opts.control,
          titleId: p.titleId,
          durationSec: Math.max(1, opts.durationSec - delayMs / 1000),
          localAddress: opts.addressOf(p.index),
          watchSec: p.watchSec,
          startFraction: p.startFraction,
          seeks: p.seeks,
          ...(p.network ? { network: p.network } : {}),
          ...(p.startupPatienceSec !== undefined ? { startupPatienceSec: p.startupPatienceSec } : {}),
          ...(p.stallPatienceSec !== undefined ? { stallPatienceSec: p.stallPatienceSec } : {}),
          ...(opts.exclusion ? { exclusion: opts.exclusion } : {}),
          ...(opts.buffer ? { buffer: opts.buffer } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      ),
    );
  }
  return Promise.all(runs);
}
