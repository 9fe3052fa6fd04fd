// The one rule for writing a chaos experiment, kept by both backends (SQLite here, Redis in
// a Lua script, redis-scripts.ts): the state only moves forward, planned → running → a final
// state (ended, aborted, refused), and a final state is never replaced by another. Several
// control instances run the same timers and may race on one transition; the first write
// makes it and the others keep what is stored, so each transition is logged once.
//
// `applied` times are kept per appliance and per field, first write wins: the instance that
// heard a report first recorded the time, and a later copy from another model changes nothing.
import type { ExperimentState } from '@ferry/protocol';
import type { ExperimentRecord, ExperimentWrite } from './store.js';

export const STATE_RANK: Record<ExperimentState, number> = {
  planned: 0,
  running: 1,
  ended: 2,
  aborted: 2,
  refused: 2,
};

export function isFinal(state: ExperimentState): boolean {
  return STATE_RANK[state] === 2;
}

/** True when `next` may replace `stored`'s state. */
export function advances(stored: ExperimentState | undefined, next: ExperimentState): boolean {
  return stored === undefined || STATE_RANK[next] > STATE_RANK[stored];
}

type Applied = NonNullable<ExperimentRecord['applied']>;

export function mergeApplied(stored: Applied | undefined, next: Applied | undefined): Applied | undefined {
  if (!stored && !next) return undefined;
  const out: Applied = {};
  for (const src of [stored ?? {}, next ?? {}]) {
    for (const [id, times] of Object.entries(src)) {
      const held = out[id] ?? {};
      out[id] = {
        ...held,
        ...(held.sinceMs === undefined && times.sinceMs !== undefined ? { sinceMs: times.sinceMs } : {}),
        ...(held.revertedAtMs === undefined && times.revertedAtMs !== undefined
          ? { revertedAtMs: times.revertedAtMs }
          : {}),
      };
    }
  }
  return out;
}

/** What the store keeps after writing `next` over `stored`. */
export function mergeExperiment(
  stored: ExperimentRecord | undefined,
  next: ExperimentRecord,
): { record: ExperimentRecord; result: ExperimentWrite } {
  const changed = advances(stored?.state, next.state);
  const base = changed || !stored ? next : stored;
  const applied = mergeApplied(stored?.applied, next.applied);
  const { applied: _drop, ...rest } = base;
  return { record: applied ? { ...rest, applied } : rest, result: changed ? 'changed' : 'unchanged' };
}
