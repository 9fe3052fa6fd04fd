// When a chaos experiment acted, in wall-clock ms (control's clock, as `ChaosExperiment`
// carries it), and which experiments a run of viewers lived through.
import type { ChaosExperiment } from '@ferry/protocol';

export interface ExperimentWindow {
  /** unix ms */
  startMs: number;
  /** unix ms */
  endMs: number;
}

/** Did the experiment act at all? Refused ones never did, nor planned ones never started. */
export function experimentRan(e: ChaosExperiment): boolean {
  return e.state !== 'refused' && e.startedAtMs !== undefined;
}

/**
 * One that ran: from control's start to its end or abort (the planned end while it still
 * runs). One that never ran: the time it was planned for.
 */
export function experimentWindow(e: ChaosExperiment): ExperimentWindow {
  if (experimentRan(e)) return { startMs: e.startedAtMs!, endMs: e.endedAtMs ?? e.endsAtMs };
  return { startMs: e.startAtMs, endMs: e.endsAtMs };
}

/**
 * The experiments a run from `fromMs` to `toMs` saw, earliest first: those whose window
 * overlaps it, and those refused during it (a refusal made while viewers played explains
 * why nothing happened to them).
 */
export function experimentsDuring(
  list: readonly ChaosExperiment[],
  fromMs: number,
  toMs: number,
): ChaosExperiment[] {
  return list
    .filter((e) => {
      const w = experimentWindow(e);
      if (w.startMs <= toMs && w.endMs >= fromMs) return true;
      return (
        e.state === 'refused' && e.endedAtMs !== undefined && e.endedAtMs >= fromMs && e.endedAtMs <= toMs
      );
    })
    .sort((a, b) => experimentWindow(a).startMs - experimentWindow(b).startMs);
}
