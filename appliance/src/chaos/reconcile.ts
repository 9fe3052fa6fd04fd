// From the orders control sent to what the executor does, pure: orders list every fault
// control wants on this appliance now. Listed and not running: start (unless it already ran
// its time here, or has none left); listed and running: keep; running and not listed: abort.
import type { ChaosFault } from '@ferry/protocol';

export interface ReconcilePlan {
  start: ChaosFault[];
  keep: ChaosFault[];
  /** experiment ids to revert now */
  abort: string[];
}

/**
 * @param running experiment ids running now
 * @param finished experiment ids that ran their time (or could not be applied) on this boot:
 *   control's clock may list one a moment longer than ours ran it, and it must not start again
 */
export function reconcile(
  running: ReadonlySet<string>,
  finished: ReadonlySet<string>,
  wanted: readonly ChaosFault[],
): ReconcilePlan {
  const plan: ReconcilePlan = { start: [], keep: [], abort: [] };
  const listed = new Set<string>();
  for (const f of wanted) {
    // One entry per experiment: a repeated id is the same experiment, the first one counts.
    if (listed.has(f.experimentId)) continue;
    listed.add(f.experimentId);
    if (running.has(f.experimentId)) plan.keep.push(f);
    else if (!finished.has(f.experimentId) && f.remainingMs > 0) plan.start.push(f);
  }
  for (const id of running) if (!listed.has(id)) plan.abort.push(id);
  return plan;
}

/**
 * Local end time of a fault: `remainingMs` counts from when control issued the orders, so
 * the time they spent on the way is taken off; a clock of ours behind control's takes
 * nothing off rather than adding time.
 */
export function endsAt(nowMs: number, issuedAtMs: number, remainingMs: number): number {
  const age = Math.max(0, nowMs - issuedAtMs);
  return nowMs + Math.max(0, remainingMs - age);
}
