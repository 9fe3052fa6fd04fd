// The chaos experiments in memory, as every heartbeat reads them: which are planned or
// running, and which run on one appliance. Written only through ingest/ and chaos/ (store
// first, then here) and by other instances' changes through the store's feed.
import type { ExperimentState } from '@ferry/protocol';
import { isFinal } from '../state/experiment-merge.js';
import type { ExperimentRecord } from '../state/store.js';

export class ExperimentIndex {
  private readonly byId = new Map<string, ExperimentRecord>();

  get(id: string): ExperimentRecord | undefined {
    return this.byId.get(id);
  }

  set(exp: ExperimentRecord): void {
    this.byId.set(exp.id, exp);
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  /** Newest first (by creation, then id). */
  list(state?: ExperimentState): ExperimentRecord[] {
    return [...this.byId.values()]
      .filter((e) => state === undefined || e.state === state)
      .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  /** Planned and running experiments. */
  active(): ExperimentRecord[] {
    return this.list().filter((e) => !isFinal(e.state));
  }

  running(): ExperimentRecord[] {
    return this.list('running');
  }

  /** Running experiments acting on `applianceId`. */
  runningOn(applianceId: string): ExperimentRecord[] {
    return this.running().filter((e) => e.appliances.includes(applianceId));
  }
}
