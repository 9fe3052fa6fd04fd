// Each move of an experiment's state as the record it leaves and the event that tells of it
// (docs/chaos.md "Events"). Pure: the journal writes them, the service decides when.
import type { ControlModel } from '../model/model.js';
import type { ControlEvent, ExperimentRecord } from '../state/store.js';
import type { Refusal } from './safety.js';

export type ChaosEventKind = 'planned' | 'refused' | 'started' | 'applied' | 'reverted' | 'ended' | 'aborted';

export interface Transition {
  next: ExperimentRecord;
  events: ControlEvent[];
}

/** One event of an experiment; an experiment on one appliance names it, so that appliance's log shows it. */
export function chaosEvent(
  exp: ExperimentRecord,
  kind: ChaosEventKind,
  timeMs: number,
  extra: Omit<ControlEvent, 'timeMs' | 'kind' | 'experimentId'> = {},
): ControlEvent {
  const only = exp.appliances.length === 1 ? exp.appliances[0] : undefined;
  return {
    timeMs,
    kind: `chaos-${kind}`,
    experimentId: exp.id,
    ...(only !== undefined ? { applianceId: only } : {}),
    ...extra,
  };
}

/** What an experiment is, for the planned and refused events. */
export function describe(exp: ExperimentRecord): Record<string, unknown> {
  return {
    kind: exp.kind,
    target: exp.target,
    appliances: exp.appliances,
    params: exp.params,
    durationSec: exp.durationSec,
    startAtMs: exp.startAtMs,
    endsAtMs: exp.endsAtMs,
    source: exp.source,
    createdBy: exp.createdBy,
  };
}

function startedEvent(exp: ExperimentRecord, now: number): ControlEvent {
  return chaosEvent(exp, 'started', now, {
    from: 'planned',
    to: 'running',
    detail: { appliances: exp.appliances, endsAtMs: exp.endsAtMs },
  });
}

/** Running from now, each target's fault scoped to the boot it has now. */
function started(exp: ExperimentRecord, model: ControlModel, now: number): ExperimentRecord {
  const boots: Record<string, string> = {};
  for (const id of exp.appliances) {
    const boot = model.getAppliance(id)?.boot;
    if (boot !== undefined) boots[id] = boot;
  }
  return { ...exp, state: 'running', startedAtMs: now, boots };
}

/** A new experiment that passed the rules: planned, and started at once when it is due. */
export function accept(exp: ExperimentRecord, model: ControlModel, now: number): Transition {
  const plannedEvent = chaosEvent(exp, 'planned', now, {
    to: 'planned',
    reason: exp.reason ?? `by ${exp.createdBy}`,
    detail: describe(exp),
  });
  if (exp.startAtMs > now) return { next: exp, events: [plannedEvent] };
  const next = started(exp, model, now);
  return { next, events: [plannedEvent, startedEvent(next, now)] };
}

export function start(exp: ExperimentRecord, model: ControlModel, now: number): Transition {
  const next = started(exp, model, now);
  return { next, events: [startedEvent(next, now)] };
}

/** Refused when asked for (`wasPlanned` false) or when due to start. */
export function refuse(
  exp: ExperimentRecord,
  refusal: Refusal,
  now: number,
  wasPlanned: boolean,
): Transition {
  return {
    next: { ...exp, state: 'refused', endedAtMs: now, refusal },
    events: [
      chaosEvent(exp, 'refused', now, {
        ...(wasPlanned ? { from: 'planned' } : {}),
        to: 'refused',
        reason: `${refusal.rule}: ${refusal.message}`,
        detail: { rule: refusal.rule, ...describe(exp) },
      }),
    ],
  };
}

/** Its time is up (a planned one whose time passed before it could start, too). */
export function end(exp: ExperimentRecord, now: number): Transition {
  return {
    next: { ...exp, state: 'ended', endedAtMs: now },
    events: [
      chaosEvent(exp, 'ended', now, {
        from: exp.state,
        to: 'ended',
        ...(exp.state === 'running' ? {} : { reason: 'its time was over before it could start' }),
      }),
    ],
  };
}

export function abort(
  exp: ExperimentRecord,
  reason: string,
  detail: Record<string, unknown>,
  now: number,
): Transition {
  return {
    next: { ...exp, state: 'aborted', endedAtMs: now, abortReason: reason },
    events: [chaosEvent(exp, 'aborted', now, { from: exp.state, to: 'aborted', reason, detail })],
  };
}
