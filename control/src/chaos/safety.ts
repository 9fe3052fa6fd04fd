// The blast-radius rules (docs/chaos.md "Safety"), checked when an experiment is asked for
// and again when a planned one starts. Each refusal names its rule. Every kind counts as
// taking its targets out of service, even latency: the rules are conservative on purpose.
// Pure apart from the coverage walk yielding to the event loop.
import type { ControlModel } from '../model/model.js';
import type { ExperimentRecord } from '../state/store.js';
import { coverageProblem } from './coverage.js';

export const SAFETY_RULES = ['unknown-target', 'chaos-off', 'overlap', 'site-share', 'coverage'] as const;
export type SafetyRule = (typeof SAFETY_RULES)[number];

export interface Refusal {
  rule: SafetyRule;
  message: string;
}

export interface SafetyInput {
  model: ControlModel;
  exp: ExperimentRecord;
  /** every other planned or running experiment */
  others: readonly ExperimentRecord[];
  maxSiteShare: number;
  fallbackSites: readonly string[];
}

/** Two experiments overlap when their times do. */
function overlaps(a: ExperimentRecord, b: ExperimentRecord): boolean {
  return a.startAtMs < b.endsAtMs && b.startAtMs < a.endsAtMs;
}

/** The first rule `exp` breaks, in the order of SAFETY_RULES; undefined when it may run. */
export async function checkSafety(input: SafetyInput): Promise<Refusal | undefined> {
  const { model, exp } = input;
  const targets = exp.appliances;
  if (targets.length === 0) {
    return { rule: 'unknown-target', message: `no appliance is known in site ${exp.target.site}` };
  }
  for (const id of targets) {
    if (!model.getAppliance(id)) return { rule: 'unknown-target', message: `no appliance ${id} is known` };
    if (model.isDisabled(id)) return { rule: 'unknown-target', message: `${id} is disabled` };
  }
  for (const id of targets) {
    const mode = model.getAppliance(id)?.chaos;
    if (mode !== 'on') {
      const why = mode === 'off' ? 'runs with --chaos off' : 'never reported a chaos mode';
      return { rule: 'chaos-off', message: `${id} ${why}` };
    }
  }
  const concurrent = input.others.filter((o) => o.id !== exp.id && overlaps(o, exp));
  const busy = new Map<string, string>();
  for (const o of concurrent) for (const id of o.appliances) busy.set(id, o.id);
  for (const id of targets) {
    const other = busy.get(id);
    if (other) return { rule: 'overlap', message: `${id} is already under experiment ${other}` };
  }
  const out = new Set([...targets, ...busy.keys()]);
  // A site outage takes its site out by design; coverage still judges it.
  if (exp.kind !== 'site-outage') {
    const share = siteShareProblem(model, targets, out, input.maxSiteShare);
    if (share) return { rule: 'site-share', message: share };
  }
  const gap = await coverageProblem({ model, targets, out, fallbackSites: input.fallbackSites });
  if (gap) return { rule: 'coverage', message: gap };
  return undefined;
}

/**
 * The share of each target's site that would be out, by reported capacity; by count when no
 * appliance of the site reports a capacity.
 */
function siteShareProblem(
  model: ControlModel,
  targets: readonly string[],
  out: ReadonlySet<string>,
  maxShare: number,
): string | undefined {
  const sites = new Set(targets.map((id) => model.getAppliance(id)?.site).filter((s) => s !== undefined));
  for (const site of sites) {
    const members = [...model.idsInSite(site)]
      .map((id) => model.getAppliance(id))
      .filter((r) => r !== undefined);
    const gone = members.filter((r) => out.has(r.id));
    const total = members.reduce((n, r) => n + r.capacityBps, 0);
    const share =
      total > 0
        ? gone.reduce((n, r) => n + r.capacityBps, 0) / total
        : gone.length / Math.max(1, members.length);
    if (share > maxShare) {
      const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
      return (
        `site ${site}: ${gone.length} of ${members.length} appliances (${pct(share)} of its capacity) ` +
        `would be out, more than ${pct(maxShare)}`
      );
    }
  }
  return undefined;
}
