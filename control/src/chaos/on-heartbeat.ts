// Chaos in each heartbeat (ingest/heartbeat.ts calls this last): the signed orders for the
// reply, the appliance's chaos report turned into applied and reverted times, its response
// counters for the abort watch, and a new refusal of orders logged once.
import type { KeyObject } from 'node:crypto';
import { type Heartbeat, type SignedChaosOrders, signChaosOrders } from '@ferry/protocol';
import type { ControlModel } from '../model/model.js';
import { isFinal } from '../state/experiment-merge.js';
import type { ExperimentRecord, StateStore } from '../state/store.js';
import type { AbortWatch } from './abort-watch.js';
import type { ChaosLogger, ExperimentJournal } from './journal.js';
import { ordersFor } from './orders.js';
import { type AppliedChange, appliedChanges } from './reports.js';
import { faultOf } from './request.js';
import { chaosEvent } from './transitions.js';

/** A final experiment is still watched this long for its faults to be reported reverted. */
const WATCH_AFTER_END_MS = 3600_000;

export interface ChaosHeartbeatOptions {
  model: ControlModel;
  store: StateStore;
  journal: ExperimentJournal;
  watch: AbortWatch;
  logger: ChaosLogger;
  key: KeyObject;
  leaseMs: number;
  now(): number;
}

export class ChaosHeartbeats {
  /** the last refusal of orders each appliance reported, so a new one is logged once */
  private readonly refusals = new Map<string, string>();

  constructor(private readonly opts: ChaosHeartbeatOptions) {}

  /** The orders for this appliance now (undefined: no fault wanted), after noting its report. */
  async onHeartbeat(id: string, hb: Heartbeat): Promise<SignedChaosOrders | undefined> {
    const { model, watch } = this.opts;
    const now = this.opts.now();
    const involved = model.experiments
      .list()
      .filter(
        (e) =>
          e.appliances.includes(id) &&
          (e.state === 'running' || (isFinal(e.state) && (e.endedAtMs ?? 0) > now - WATCH_AFTER_END_MS)),
      );
    if (hb.responses) {
      const erring = involved.some(
        (e) => e.state === 'running' && faultOf(e.kind, e.params).kind === 'errors',
      );
      watch.noteResponses(id, hb.boot, hb.responses, erring);
    }
    const orders = ordersFor({
      experiments: involved,
      applianceId: id,
      boot: hb.boot,
      nowMs: now,
      leaseMs: this.opts.leaseMs,
    });
    const ordered = new Set(orders?.faults.map((f) => f.experimentId));
    const changes = appliedChanges({
      experiments: involved,
      applianceId: id,
      boot: hb.boot,
      report: hb.chaos,
      ordered,
    });
    // What the report says is for the record: failing to write it must not cost the reply
    // its orders (a reply without them reverts every fault).
    try {
      await this.noteRefusal(id, hb.chaos?.lastRefusal, now);
      for (const change of changes) await this.record(change, now);
    } catch (err) {
      this.opts.logger.error({ err, appliance: id }, "recording an appliance's chaos report failed");
    }
    return orders && signChaosOrders(orders, this.opts.key);
  }

  /** Orders only, for a reply that carries no report (a stale heartbeat): a lost reply must not revert. */
  ordersOnly(id: string, boot: string): SignedChaosOrders | undefined {
    const orders = ordersFor({
      experiments: this.opts.model.experiments.running(),
      applianceId: id,
      boot,
      nowMs: this.opts.now(),
      leaseMs: this.opts.leaseMs,
    });
    return orders && signChaosOrders(orders, this.opts.key);
  }

  forget(id: string): void {
    this.refusals.delete(id);
    this.opts.watch.forget(id);
  }

  private async noteRefusal(id: string, refusal: string | undefined, now: number): Promise<void> {
    if (refusal === undefined || this.refusals.get(id) === refusal) return;
    this.refusals.set(id, refusal);
    this.opts.logger.warn({ appliance: id, refusal }, 'appliance refused chaos orders');
    await this.opts.store.appendEvent({
      timeMs: now,
      applianceId: id,
      kind: 'chaos-orders-refused',
      reason: refusal,
    });
  }

  private record(change: AppliedChange, now: number): Promise<void> {
    const { journal, model, logger } = this.opts;
    return journal.inTurn(change.experimentId, async () => {
      const exp = model.experiments.get(change.experimentId);
      if (!exp) return;
      const id = change.applianceId;
      const field = change.change === 'applied' ? 'sinceMs' : 'revertedAtMs';
      const times = exp.applied?.[id] ?? {};
      // Noted by another heartbeat (or instance) while this one waited for its turn.
      if (times[field] !== undefined) return;
      const next: ExperimentRecord = {
        ...exp,
        applied: { ...exp.applied, [id]: { ...times, [field]: now } },
      };
      const fault = faultOf(exp.kind, exp.params).kind;
      const event = { ...chaosEvent(exp, change.change, now), applianceId: id };
      await journal.commit({ next, events: [{ ...event, detail: { fault, evidence: change.evidence } }] });
      logger.info(
        { experiment: exp.id, appliance: id, fault, evidence: change.evidence },
        `chaos fault ${change.change}`,
      );
    });
  }
}
