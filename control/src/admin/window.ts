// The rules for a maintenance window (PUT /v1/appliances/{id}/maintenance) and for what the
// window timer does with one, as pure functions of the record and the clock.
import type { MaintenanceRequest } from '@ferry/protocol';
import { inWindow } from '../model/admin.js';
import type { AdminRecord } from '../state/store.js';

/** A window longer than a week is a decommission, not maintenance: drain it instead. */
export const MAX_WINDOW_MS = 7 * 24 * 3600_000;

/** Why a requested window is refused, or undefined when it is fine. */
export function windowProblem(req: MaintenanceRequest, nowMs: number): string | undefined {
  if (req.endMs <= req.startMs) return `endMs (${iso(req.endMs)}) is not after startMs (${iso(req.startMs)})`;
  if (req.endMs <= nowMs) return `endMs (${iso(req.endMs)}) is not in the future (now ${iso(nowMs)})`;
  if (req.endMs - req.startMs > MAX_WINDOW_MS) {
    return `the window lasts ${hours(req.endMs - req.startMs)}, more than ${hours(MAX_WINDOW_MS)}`;
  }
  return undefined;
}

export type WindowStep = 'started' | 'ended' | undefined;

/**
 * What the timer should do with a record now: log a window's start once (`startedLogged`
 * notes it in the record, so a restart inside the window does not log it again), or end a
 * window that is over (it leaves the record).
 */
export function windowStep(rec: AdminRecord, nowMs: number): WindowStep {
  const w = rec.maintenance;
  if (!w) return undefined;
  if (nowMs >= w.endMs) return 'ended';
  if (inWindow(w, nowMs) && !w.startedLogged) return 'started';
  return undefined;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function hours(ms: number): string {
  return `${Math.round((ms / 3600_000) * 10) / 10} h`;
}
