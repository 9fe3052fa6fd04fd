// Every change of a chaos experiment goes through here: the store first, then the model,
// then the event log, like every writer in ingest/. Changes of one experiment run one after
// another in this instance; across instances the store decides (experiment-merge.ts): a
// transition another instance made first is not logged again here, and the model learns the
// stored state instead.

import { KeyedQueue } from '../ingest/keyed-queue.js';
import type { ControlModel } from '../model/model.js';
import { mergeExperiment } from '../state/experiment-merge.js';
import type { ControlEvent, ExperimentRecord, StateStore } from '../state/store.js';

export interface ChaosLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type ChaosEventKind = 'planned' | 'refused' | 'started' | 'applied' | 'reverted' | 'ended' | 'aborted';

export interface JournalOptions {
  store: StateStore;
  model: ControlModel;
  logger: ChaosLogger;
}

export class ExperimentJournal {
  private readonly queue = new KeyedQueue();

  constructor(private readonly opts: JournalOptions) {}

  /** Runs `task` in the turn of `key` (an experiment id, or a lock name). */
  inTurn<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(key, task);
  }

  /**
   * Writes `next`. A transition (a new state) appends `events` only when this write made it,
   * and returns whether it did; a write of applied times appends them in any case.
   */
  async commit(next: ExperimentRecord, events: ControlEvent[]): Promise<boolean> {
    const { store, model, logger } = this.opts;
    const before = model.experiments.get(next.id);
    const transition = before?.state !== next.state;
    const result = await store.putExperiment(next);
    if (transition && result !== 'changed') {
      // Another instance got there first: what it stored is the truth, logged by it.
      try {
        const stored = await store.getExperiment(next.id);
        if (stored) model.experiments.set(stored);
      } catch (err) {
        logger.warn({ err, experiment: next.id }, 'reading back a chaos experiment failed');
      }
      return false;
    }
    model.experiments.set(mergeExperiment(before, next).record);
    for (const ev of events) await store.appendEvent(ev);
    return true;
  }
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
