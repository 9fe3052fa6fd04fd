// Every change of a chaos experiment goes through here: the store first, then the model,
// then the event log, like every writer in ingest/. Changes of one experiment run one after
// another in this instance; across instances the store decides (experiment-merge.ts): a
// transition another instance made first is not logged again here, and the model learns the
// stored state instead.

import { KeyedQueue } from '../ingest/keyed-queue.js';
import type { ControlModel } from '../model/model.js';
import { mergeExperiment } from '../state/experiment-merge.js';
import type { StateStore } from '../state/store.js';
import type { Transition } from './transitions.js';

export interface ChaosLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

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
  async commit({ next, events }: Transition): Promise<boolean> {
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
