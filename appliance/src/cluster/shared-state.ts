// The primary's side of SharedState (messages.ts): the chaos executor's content faults,
// throttles and disk failures are recorded here as they are applied or reverted, with the
// agent's isolation, and every change is published whole to the workers, which apply them
// to what they serve (worker-sync.ts). The primary serves no content itself.
import type { ChaosParams } from '@ferry/protocol';
import { ContentFaults } from '../chaos/content-faults.js';
import type { FaultTargets } from '../chaos/faults.js';
import { SendThrottle } from '../chaos/throttle.js';
import type { ContentStore } from '../store/store.js';
import type { SharedState } from './messages.js';

export class SharedStateHub {
  private isolated = false;
  readonly latency = new Map<string, ChaosParams>();
  readonly errors = new Map<string, ChaosParams>();
  readonly throttleCaps = new Map<string, ChaosParams>();
  private readonly failedDisks = new Map<string, string>();

  constructor(private readonly publish: (state: SharedState) => void) {}

  snapshot(): SharedState {
    return {
      isolated: this.isolated,
      latency: [...this.latency],
      errors: [...this.errors],
      throttle: [...this.throttleCaps],
      failedDisks: [...this.failedDisks],
    };
  }

  changed(): void {
    this.publish(this.snapshot());
  }

  setIsolated(isolated: boolean): void {
    this.isolated = isolated;
    this.changed();
  }

  /** The chaos executor's targets for content faults, throttles and disks, recorded here. */
  targets(store: ContentStore): Pick<FaultTargets, 'content' | 'throttle' | 'store'> {
    return {
      content: new RecordedContentFaults(this),
      throttle: new RecordedThrottle(this),
      store: {
        disks: () => store.disks(),
        markDiskFailed: (disk, reason) => {
          // The primary's store too: the heartbeat's disks and inventory come from it.
          store.markDiskFailed(disk, reason);
          this.failedDisks.set(disk, reason);
          this.changed();
        },
        restoreDisk: (disk) => {
          const back = store.restoreDisk(disk);
          this.failedDisks.delete(disk);
          this.changed();
          return back;
        },
      },
    };
  }
}

class RecordedContentFaults extends ContentFaults {
  constructor(private readonly hub: SharedStateHub) {
    // Nothing is planned here: the workers count what they inject.
    super({ injected: () => {} });
  }

  override setLatency(experimentId: string, params: ChaosParams): void {
    super.setLatency(experimentId, params);
    this.hub.latency.delete(experimentId);
    this.hub.latency.set(experimentId, params);
    this.hub.changed();
  }

  override setErrors(experimentId: string, params: ChaosParams): void {
    super.setErrors(experimentId, params);
    this.hub.errors.delete(experimentId);
    this.hub.errors.set(experimentId, params);
    this.hub.changed();
  }

  override clear(experimentId: string): void {
    super.clear(experimentId);
    this.hub.latency.delete(experimentId);
    this.hub.errors.delete(experimentId);
    this.hub.changed();
  }
}

class RecordedThrottle extends SendThrottle {
  constructor(private readonly hub: SharedStateHub) {
    super();
  }

  override set(experimentId: string, params: ChaosParams): void {
    super.set(experimentId, params);
    this.hub.throttleCaps.set(experimentId, params);
    this.hub.changed();
  }

  override clear(experimentId: string): void {
    super.clear(experimentId);
    if (this.hub.throttleCaps.delete(experimentId)) this.hub.changed();
  }
}
