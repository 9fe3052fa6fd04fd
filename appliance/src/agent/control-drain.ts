// Control's drain order (HeartbeatReply.drain: an operator drained the appliance through
// control, or a maintenance window is in progress). The appliance drains exactly as its
// own POST /v1/drain does, on every worker, and undrains when a reply no longer carries the
// order, unless the drain is the ISP's: a drain ordered on the appliance's own admin
// listener is never undone by control (docs/appliance.md "Drain from control"). The
// appliance acts on changes of control's order, not on each reply: a local undrain while
// control still orders a drain stands until control's order changes.
import type { DrainOrder } from '@ferry/protocol';
import type { Logger } from '../ops/logger.js';

/** What drains and undrains the appliance: this process's server, or the primary's workers. */
export interface DrainTarget {
  drain(): unknown;
  undrain(): unknown;
}

export interface ControlDrainStatus {
  /** what control orders now; null: serve */
  ordered: DrainOrder | null;
  /** drained on the appliance's own admin listener (control does not undo it) */
  localDrain: boolean;
}

export class ControlDrain {
  private ordered: DrainOrder | undefined;
  private local = false;

  constructor(
    private readonly target: DrainTarget,
    private readonly log: Logger,
  ) {}

  /** POST /v1/drain or /v1/undrain on the admin listener. */
  noteLocal(order: 'drain' | 'undrain'): void {
    this.local = order === 'drain';
  }

  /** Every good heartbeat reply's `drain` field (undefined: control wants it serving). */
  receive(order: DrainOrder | undefined): void {
    const was = this.ordered;
    if (order && !was) {
      this.ordered = order;
      if (this.local) {
        this.log.info(
          { cause: order.cause, reason: order.reason },
          'control orders a drain; already drained locally',
        );
      } else {
        this.log.warn({ cause: order.cause, reason: order.reason }, 'control orders a drain: draining');
        this.act(() => this.target.drain());
      }
    } else if (order && was && (order.cause !== was.cause || order.reason !== was.reason)) {
      this.ordered = order;
      this.log.info({ cause: order.cause, reason: order.reason }, 'control drain order changed');
    } else if (!order && was) {
      this.ordered = undefined;
      if (this.local) {
        this.log.info({ was: was.cause }, 'control lifted its drain; the local drain stays');
      } else {
        this.log.warn({ was: was.cause }, 'control lifted its drain: serving again');
        this.act(() => this.target.undrain());
      }
    }
  }

  status(): ControlDrainStatus {
    return { ordered: this.ordered ?? null, localDrain: this.local };
  }

  private act(fn: () => unknown): void {
    try {
      void Promise.resolve(fn()).catch((err: unknown) =>
        this.log.error({ err }, 'applying control drain order failed'),
      );
    } catch (err) {
      this.log.error({ err }, 'applying control drain order failed');
    }
  }
}
