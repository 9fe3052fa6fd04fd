// When a fault took effect on an appliance and when it stopped, from its heartbeats: a fault
// is applied when the appliance's chaos report lists it, and reverted when a later report of
// the same boot no longer does, or a new boot is heard (a restart reverts everything). A kill
// cannot be reported (the process exits on receipt): it counts as applied when the orders
// carrying it are handed out, and reverted when the appliance is heard again from a new boot.
// Pure: the caller writes what this returns.
import type { ChaosReport } from '@ferry/protocol';
import type { ExperimentRecord } from '../state/store.js';
import { faultOf } from './request.js';

export interface AppliedChange {
  experimentId: string;
  applianceId: string;
  change: 'applied' | 'reverted';
  /** what showed it: the appliance's report, the orders handed out, or a new boot */
  evidence: 'reported' | 'ordered' | 'restarted';
}

export interface ReportInput {
  /** experiments that may involve the appliance (running, or final with a fault not yet seen reverted) */
  experiments: readonly ExperimentRecord[];
  applianceId: string;
  boot: string;
  report: ChaosReport | undefined;
  /** experiments whose faults this reply's orders carry */
  ordered: ReadonlySet<string>;
}

export function appliedChanges(input: ReportInput): AppliedChange[] {
  const { applianceId: id, boot, report } = input;
  const active = new Set(report?.active.map((a) => a.experimentId) ?? []);
  const out: AppliedChange[] = [];
  for (const e of input.experiments) {
    const startedBoot = e.boots?.[id];
    if (startedBoot === undefined || !e.appliances.includes(id)) continue;
    const times = e.applied?.[id] ?? {};
    if (times.revertedAtMs !== undefined) continue;
    const note = (change: AppliedChange['change'], evidence: AppliedChange['evidence']) =>
      out.push({ experimentId: e.id, applianceId: id, change, evidence });
    if (boot !== startedBoot) {
      if (times.sinceMs !== undefined) note('reverted', 'restarted');
      continue;
    }
    const isKill = faultOf(e.kind, e.params).kind === 'kill';
    if (times.sinceMs === undefined) {
      if (active.has(e.id)) note('applied', 'reported');
      else if (isKill && input.ordered.has(e.id)) note('applied', 'ordered');
    } else if (!isKill && report !== undefined && !active.has(e.id)) {
      note('reverted', 'reported');
    }
  }
  return out;
}
