// An operator's (or the schedule's) request turned into an experiment record, before the
// safety rules see it: the target is one appliance, or a site for site-outage; the params are
// those the kind reads, checked as the appliance will check them; the times are settled.
// Pure: the caller passes the model and the clock.
import { randomBytes } from 'node:crypto';
import {
  type ChaosExperimentRequest,
  type ChaosKind,
  type ChaosParams,
  checkFaultParams,
  type FaultKind,
} from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import type { ExperimentRecord } from '../state/store.js';

/** A start further ahead is more likely a mistake than a plan. */
export const MAX_START_AHEAD_MS = 24 * 3600 * 1000;

/** The params each fault kind reads; any other is refused, so a typo never passes unnoticed. */
const READS: Record<FaultKind, readonly (keyof ChaosParams)[]> = {
  kill: [],
  latency: ['delayMs', 'jitterMs', 'fraction'],
  throttle: ['bytesPerSec', 'perConnectionBytesPerSec'],
  errors: ['fraction', 'mode'],
  disk: ['disk'],
  'bgp-flap': ['downSec'],
  isolate: [],
};

/** The fault every target appliance runs: site-outage is its `as` kind (default kill) on each. */
export function faultOf(kind: ChaosKind, params: ChaosParams): { kind: FaultKind; params: ChaosParams } {
  if (kind !== 'site-outage') return { kind, params };
  const { as, ...rest } = params;
  return { kind: as ?? 'kill', params: rest };
}

/** Why `params` do not fit `kind` for `durationSec`, in words; undefined when they do. */
export function paramsProblem(kind: ChaosKind, params: ChaosParams, durationSec: number): string | undefined {
  if (kind !== 'site-outage' && params.as !== undefined) return '`as` is for site-outage only';
  const fault = faultOf(kind, params);
  const reads = READS[fault.kind];
  const extra = Object.keys(fault.params).filter((k) => !reads.includes(k as keyof ChaosParams));
  if (extra.length > 0) {
    return `${fault.kind} does not read ${extra.join(', ')} (it reads ${reads.join(', ') || 'no params'})`;
  }
  const bad = checkFaultParams(fault.kind, fault.params);
  if (bad) return bad;
  if (fault.params.downSec !== undefined && fault.params.downSec > durationSec) {
    return 'downSec may not exceed durationSec';
  }
  return undefined;
}

export interface PlanInput {
  req: ChaosExperimentRequest;
  model: ControlModel;
  nowMs: number;
  source: ExperimentRecord['source'];
  createdBy: string;
}

/** 12 random bytes: unique across control instances without asking the store. */
export function newExperimentId(): string {
  return `x${randomBytes(12).toString('base64url')}`;
}

/**
 * The record of a request, in state `planned`; throws FerryError CHAOS_BAD_TARGET or
 * CHAOS_BAD_PARAMS (400) for a request no rule needs to judge. `appliances` is empty for a
 * site with none (the unknown-target rule refuses it).
 */
export function planExperiment(input: PlanInput): ExperimentRecord {
  const { req, model, nowMs } = input;
  const { appliance, site } = req.target;
  const wantsSite = req.kind === 'site-outage';
  if (
    wantsSite ? site === undefined || appliance !== undefined : appliance === undefined || site !== undefined
  ) {
    throw new FerryError(
      Errors.CHAOS_BAD_TARGET,
      wantsSite ? 'site-outage takes target.site only' : `${req.kind} takes target.appliance only`,
    );
  }
  const params = req.params ?? {};
  const problem = paramsProblem(req.kind, params, req.durationSec);
  if (problem) throw new FerryError(Errors.CHAOS_BAD_PARAMS, problem);
  const startAtMs = Math.max(nowMs, req.startAtMs ?? nowMs);
  if (startAtMs - nowMs > MAX_START_AHEAD_MS) throw new FerryError(Errors.CHAOS_BAD_START);
  // A disabled appliance of the site takes no orders (its heartbeats are refused): not a target.
  const appliances = wantsSite
    ? [...model.idsInSite(site as string)].filter((id) => !model.isDisabled(id)).sort()
    : [appliance as string];
  return {
    id: newExperimentId(),
    kind: req.kind,
    target: wantsSite ? { site: site as string } : { appliance: appliance as string },
    appliances,
    params,
    durationSec: req.durationSec,
    state: 'planned',
    source: input.source,
    createdBy: input.createdBy,
    createdAtMs: nowMs,
    startAtMs,
    endsAtMs: startAtMs + req.durationSec * 1000,
    ...(req.reason !== undefined ? { reason: req.reason } : {}),
  };
}
