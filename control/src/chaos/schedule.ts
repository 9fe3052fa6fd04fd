// The schedule (Chaos Monkey style, docs/chaos.md "Schedule"): each enabled scope comes due
// at random times, at least minIntervalSec apart and meanIntervalSec apart on average (the
// minimum plus an exponential draw), and at each due time inside its hours picks a kind and
// a target at random and asks for an experiment through the same path as an operator. Due
// times outside the hours are skipped, not saved up. Clock and randomness come from the
// caller, so a test drives it step by step and a seed repeats a run.
import type { ChaosExperimentRequest, ChaosKind } from '@ferry/protocol';
import type { ControlModel } from '../model/model.js';
import { type ChaosPolicy, type ChaosScope, inHours } from './policy.js';

export interface ScheduleStep {
  scope: string;
  /** what to ask for; absent when the step was skipped */
  req?: ChaosExperimentRequest;
  skipped?: string;
}

export class ChaosSchedule {
  private readonly dueAt = new Map<number, number>();

  constructor(
    private readonly policy: ChaosPolicy,
    private readonly random: () => number,
    nowMs: number,
  ) {
    policy.scopes.forEach((scope, i) => {
      if (scope.enabled) this.dueAt.set(i, nowMs + this.intervalMs(scope));
    });
  }

  private intervalMs(scope: ChaosScope): number {
    const spread = scope.meanIntervalSec - scope.minIntervalSec;
    // 1 - u is in (0, 1]: the logarithm stays finite.
    const draw = -Math.log(1 - this.random()) * spread;
    return Math.round((scope.minIntervalSec + draw) * 1000);
  }

  /** When each enabled scope comes due next (ms since epoch), by scope name. */
  nextDue(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [i, at] of this.dueAt) out[scopeName(this.policy.scopes[i] as ChaosScope, i)] = at;
    return out;
  }

  /**
   * The steps due at `nowMs`; each due scope draws its next time. `busy`: appliances under a
   * planned or running experiment, never picked (the overlap rule would refuse them anyway).
   */
  due(nowMs: number, model: ControlModel, busy: ReadonlySet<string>): ScheduleStep[] {
    const steps: ScheduleStep[] = [];
    for (const [i, at] of this.dueAt) {
      if (at > nowMs) continue;
      const scope = this.policy.scopes[i] as ChaosScope;
      this.dueAt.set(i, nowMs + this.intervalMs(scope));
      const name = scopeName(scope, i);
      if (!inHours(scope.hours, nowMs)) {
        steps.push({ scope: name, skipped: `outside hours ${scope.hours} UTC` });
        continue;
      }
      // The policy's schema says kinds has at least one.
      const kind = this.pick(scope.kinds) as ChaosKind;
      const params = scope.params?.[kind] ?? {};
      const base = { kind, durationSec: scope.durationSec, params, reason: `schedule (${name})` };
      if (kind === 'site-outage') {
        const site = this.pick(outageSites(model, scope, busy));
        if (site === undefined) steps.push({ scope: name, skipped: 'no site with chaos on everywhere' });
        else steps.push({ scope: name, req: { ...base, target: { site } } });
        continue;
      }
      const appliance = this.pick(candidates(model, scope, busy));
      if (appliance === undefined) steps.push({ scope: name, skipped: 'no appliance with chaos on' });
      else steps.push({ scope: name, req: { ...base, target: { appliance } } });
    }
    return steps;
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items[Math.min(items.length - 1, Math.floor(this.random() * items.length))];
  }
}

function scopeName(scope: ChaosScope, i: number): string {
  return scope.site !== undefined ? `site ${scope.site}` : `fleet #${i}`;
}

/** Appliances of the scope that run chaos on and are free, by id (a seed repeats the pick). */
function candidates(model: ControlModel, scope: ChaosScope, busy: ReadonlySet<string>): string[] {
  return model
    .listAppliances()
    .filter(
      (r) =>
        (scope.site === undefined || r.site === scope.site) &&
        r.chaos === 'on' &&
        !busy.has(r.id) &&
        !model.isDisabled(r.id),
    )
    .map((r) => r.id);
}

function outageSites(model: ControlModel, scope: ChaosScope, busy: ReadonlySet<string>): string[] {
  const sites =
    scope.site !== undefined ? [scope.site] : [...new Set(model.listAppliances().map((r) => r.site))].sort();
  return sites.filter((site) => {
    const ids = [...model.idsInSite(site)];
    return ids.length > 0 && ids.every((id) => model.getAppliance(id)?.chaos === 'on' && !busy.has(id));
  });
}
