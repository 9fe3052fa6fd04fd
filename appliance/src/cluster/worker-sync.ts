// A worker's half of what the primary holds (see primary.ts): it follows the primary's
// shared state (isolation, the chaos content faults and throttles, chaos-failed disks) in its
// own content handler, body senders and store, re-reads the store index when the primary's
// filler or evictor changed it, and reports its traffic so the primary can sum every
// worker's into one heartbeat and answer the evictor's "is this file being sent?".
import type { ChaosParams } from '@ferry/protocol';
import type { ContentFaults } from '../chaos/content-faults.js';
import type { SendThrottle } from '../chaos/throttle.js';
import type { FileTraffic } from '../ops/file-traffic.js';
import type { Logger } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import type { ResponseTally } from '../ops/response-tally.js';
import type { ApplianceServer } from '../server.js';
import type { ContentStore } from '../store/store.js';
import type { SharedState, WorkerReport } from './messages.js';

/** What a worker serves with, handed to the cluster link by app.ts. */
export interface ServingParts {
  metrics: ApplianceMetrics;
  server: ApplianceServer;
  store: ContentStore;
  faults: ContentFaults;
  throttle: SendThrottle;
  traffic: FileTraffic;
  tally: ResponseTally;
  logger: Logger;
}

export const NO_SHARED_STATE: SharedState = {
  isolated: false,
  latency: [],
  errors: [],
  throttle: [],
  failedDisks: [],
};

export class WorkerSync {
  private state: SharedState = NO_SHARED_STATE;
  private last = { bytes: 0, total: 0, failed: 0 };

  /**
   * `workers`: how many share the appliance-wide throttle cap (each sends its share).
   * `onUnreadable`: this worker found a file unreadable (store.markUnreadable); the primary
   * takes it out of the inventory it reports, which it keeps from its own store.
   */
  constructor(
    private readonly parts: ServingParts,
    private readonly workers = 1,
    onUnreadable?: (fileId: string, reason: string) => void,
  ) {
    if (onUnreadable) {
      parts.store.onChange((c) => {
        if (c.type !== 'removed') return;
        // Still listed, now unreadable: markUnreadable's removal, not a refresh's or a remove's.
        const why = parts.store.lookup(c.id)?.unreadable;
        if (why !== undefined) onUnreadable(c.id, why);
      });
    }
  }

  get isolated(): boolean {
    return this.state.isolated;
  }

  apply(next: SharedState): void {
    const prev = this.state;
    this.state = next;
    const { faults, throttle, store } = this.parts;
    if (!same(prev.latency, next.latency) || !same(prev.errors, next.errors)) {
      // Cleared and set again in the primary's order: the last applied stays in force.
      for (const [id] of [...prev.latency, ...prev.errors]) faults.clear(id);
      for (const [id, p] of next.latency) faults.setLatency(id, p);
      for (const [id, p] of next.errors) faults.setErrors(id, p);
    }
    if (!same(prev.throttle, next.throttle)) {
      for (const [id] of prev.throttle) throttle.clear(id);
      for (const [id, p] of next.throttle) throttle.set(id, shareOf(p, this.workers));
    }
    const wanted = new Map(next.failedDisks);
    for (const [disk, reason] of next.failedDisks) {
      if (store.disks().find((d) => d.id === disk)?.state === 'ok') store.markDiskFailed(disk, reason);
    }
    for (const [disk, reason] of prev.failedDisks) {
      // Only the failure the primary caused is undone, as in chaos/faults.ts.
      if (!wanted.has(disk) && store.disks().find((d) => d.id === disk)?.reason === reason) {
        store.restoreDisk(disk);
      }
    }
  }

  /** The primary's store changed (a fill, an eviction): take in what its index now says. */
  refreshStore(): void {
    try {
      this.parts.store.refresh();
    } catch (err) {
      // The store's own health timer refreshes again later.
      this.parts.logger.warn({ err }, 'store: could not read the index after a primary change');
    }
  }

  async report(): Promise<WorkerReport> {
    const { metrics, server, traffic, tally } = this.parts;
    const bytes = metrics.bytesSentTotal();
    const r = tally.snapshot();
    const out: WorkerReport = {
      state: server.state,
      requestsInFlight: server.requestsInFlight,
      bytesSent: bytes - this.last.bytes,
      responses: { total: r.total - this.last.total, failed: r.failed - this.last.failed },
      served: traffic.take().map((e) => [e.fileId, e.bytes]),
      open: traffic.openFiles(),
    };
    this.last = { bytes, total: r.total, failed: r.failed };
    return out;
  }
}

/**
 * A throttle's cap for the whole appliance (`bytesPerSec`), split evenly: the workers send
 * at most the cap together, each its share whatever its own load. Per-connection caps stay.
 */
function shareOf(p: ChaosParams, workers: number): ChaosParams {
  if (p.bytesPerSec === undefined || workers <= 1) return p;
  return { ...p, bytesPerSec: Math.max(1, Math.floor(p.bytesPerSec / workers)) };
}

function same(a: SharedState['latency'], b: SharedState['latency']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
