// When a fault took effect on an appliance and when it stopped, from its heartbeats: a fault
// is applied when the appliance's chaos report lists it, and reverted when a later report of
// the same boot no longer does, or a new boot is heard (a restart reverts everything). Two
// faults cannot be reported while they act: a kill (the process exits on receipt) and an
// isolate (the appliance sends no heartbeats for the fault's time). They count as applied
// when the orders carrying them are handed out; a kill is reverted when the appliance is
// heard from a new boot, an isolate when its heartbeats come back without it.
// Pure: the caller writes what this returns.
import type { ChaosReport, FaultKind } from '@ferry/protocol';
import type { ExperimentRecord } from '../state/store.js';
import { faultOf } from './request.js';

/** Faults the appliance cannot report while they act. */
const UNREPORTED: ReadonlySet<FaultKind> = new Set(['kill', 'isolate']);

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
    const fault = faultOf(e.kind, e.params).kind;
    if (times.sinceMs === undefined) {
      if (active.has(e.id)) note('applied', 'reported');
      else if (UNREPORTED.has(fault) && input.ordered.has(e.id)) note('applied', 'ordered');
    } else if (fault !== 'kill' && report !== undefined && !active.has(e.id)) {
      note('reverted', 'reported');
    }
  }
  return out;
}
