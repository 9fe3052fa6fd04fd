// The appliance's side of chaos (DESIGN flow 6): control decides, this executes. Every
// heartbeat reply's orders are verified (control's signature, this appliance, this boot,
// fresh and newer than the last), then reconciled with what runs (reconcile.ts): faults
// start, keep running, or are reverted at once when control no longer lists them. Each fault
// ends by itself when its time is up, and a lease reverts everything when no valid orders
// came for the orders' leaseMs (control gone, or unreachable), so a fault never outlives the
// control that set it. Refused orders change nothing; they are logged, counted and reported.
import type { KeyObject } from 'node:crypto';
import {
  type ChaosFault,
  type ChaosOrders,
  type ChaosReport,
  SignedChaosOrders,
  verifyChaosOrders,
} from '@ferry/protocol';
import { Value } from 'typebox/value';
import type { ChaosOrdersSink } from '../agent/agent.js';
import type { Logger } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import { type AppliedFault, applyFault, FaultNotApplicable, type FaultTargets } from './faults.js';
import { endsAt, reconcile } from './reconcile.js';
import type { ChaosMode, ChaosStatus, Refusal, RefusalReason, RevertCause } from './types.js';

export type { ChaosMode, ChaosStatus } from './types.js';

export interface ChaosExecutorOptions {
  mode: ChaosMode;
  /** control's chaos public keys (`--chaos-verify-key`, two during a rotation) */
  verifyKeys: readonly KeyObject[];
  applianceId: string;
  /** the boot id the heartbeats carry: orders are for one boot */
  boot(): string;
  targets: FaultTargets;
  metrics: Pick<ApplianceMetrics, 'chaosOrders' | 'chaosFaults'>;
  logger: Logger;
  /** wall clock, ms (default Date.now) */
  now?: () => number;
}

interface Running {
  fault: ChaosFault;
  applied: AppliedFault;
  startedAtMs: number;
  endsAtMs: number;
  timer: NodeJS.Timeout;
}

/** Finished experiment ids remembered per boot; far more than the orders can list at once. */
const MAX_FINISHED = 1024;
/** A refusal that repeats is logged at warn again after this long (replies come every second). */
const REFUSAL_LOG_EVERY_MS = 60_000;
const MAX_NOT_APPLIED = 16;

export class ChaosExecutor implements ChaosOrdersSink {
  private readonly running = new Map<string, Running>();
  private readonly finished = new Set<string>();
  private readonly notApplied: ChaosStatus['notApplied'] = [];
  private readonly log: Logger;
  private readonly now: () => number;
  private lastIssuedAtMs = -1;
  private lastOrders: ChaosStatus['lastOrders'];
  private lastRefusal: Refusal | undefined;
  private lastRefusalLoggedMs = 0;
  private leaseTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly counters: ChaosStatus['counters'] = {
    accepted: 0,
    refused: 0,
    applied: 0,
    ended: { expired: 0, reverted: 0, lease: 0, stopping: 0 },
  };

  constructor(private readonly opts: ChaosExecutorOptions) {
    this.log = opts.logger.child({ part: 'chaos' });
    this.now = opts.now ?? Date.now;
  }

  get mode(): ChaosMode {
    return this.opts.mode;
  }

  /** A heartbeat reply's `chaos` field, as sent; undefined: control wants no fault. */
  receive(raw: unknown): void {
    if (this.stopped) return;
    if (raw === undefined) {
      this.clearLease();
      this.revertAll('reverted', 'control lists no fault');
      return;
    }
    const check = this.verify(raw);
    if (check.ok) this.accept(check.orders);
    else this.refuse(check.reason, check.detail);
  }

  private verify(
    raw: unknown,
  ): { ok: true; orders: ChaosOrders } | { ok: false; reason: RefusalReason; detail: string } {
    if (this.opts.mode === 'off')
      return { ok: false, reason: 'CHAOS_OFF', detail: 'chaos is off on this appliance (--chaos off)' };
    if (!Value.Check(SignedChaosOrders, raw)) {
      const unsigned = typeof raw === 'object' && raw !== null && !('sig' in raw);
      return unsigned
        ? { ok: false, reason: 'UNSIGNED', detail: 'orders carry no signature' }
        : { ok: false, reason: 'MALFORMED', detail: 'not signed orders ({ payload, sig })' };
    }
    return verifyChaosOrders({
      signed: raw,
      keys: this.opts.verifyKeys,
      applianceId: this.opts.applianceId,
      boot: this.opts.boot(),
      nowMs: this.now(),
      lastIssuedAtMs: this.lastIssuedAtMs,
    });
  }

  /** What the heartbeat says about chaos. */
  report(): ChaosReport {
    const r: ChaosReport = {
      mode: this.opts.mode,
      active: [...this.running.values()]
        .slice(0, 16)
        .map((x) => ({ experimentId: x.fault.experimentId, kind: x.fault.kind })),
    };
    if (this.lastRefusal)
      r.lastRefusal = `${this.lastRefusal.reason}: ${this.lastRefusal.detail}`.slice(0, 256);
    return r;
  }

  status(): ChaosStatus {
    return {
      mode: this.opts.mode,
      verifyKeys: this.opts.verifyKeys.length,
      active: [...this.running.values()].map((x) => ({
        experimentId: x.fault.experimentId,
        kind: x.fault.kind,
        params: x.fault.params,
        startedAtMs: x.startedAtMs,
        endsAtMs: x.endsAtMs,
        ...(x.applied.detail ? { detail: x.applied.detail } : {}),
      })),
      ...(this.lastRefusal ? { lastRefusal: this.lastRefusal } : {}),
      ...(this.lastOrders ? { lastOrders: this.lastOrders } : {}),
      notApplied: [...this.notApplied],
      counters: structuredClone(this.counters),
    };
  }

  /** Faults running now, per kind (the active gauge). */
  activeByKind(): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.running.values()) m.set(r.fault.kind, (m.get(r.fault.kind) ?? 0) + 1);
    return m;
  }

  /** Reverts everything and takes no more orders (the appliance is stopping). */
  stop(): void {
    if (this.stopped) return;
    this.clearLease();
    this.revertAll('stopping', 'appliance stopping');
    this.stopped = true;
  }

  private accept(orders: ChaosOrders): void {
    const now = this.now();
    this.lastIssuedAtMs = orders.issuedAtMs;
    this.counters.accepted++;
    this.opts.metrics.chaosOrders.inc({ result: 'accepted' });
    this.armLease(orders.leaseMs);
    this.lastOrders = {
      issuedAtMs: orders.issuedAtMs,
      receivedAtMs: now,
      leaseMs: orders.leaseMs,
      leaseEndsAtMs: now + orders.leaseMs,
    };
    // A fault whose end has come ran its time, even if its timer has not fired yet (a busy
    // event loop runs timers late): it must not be taken for one control stopped listing,
    // which would leave it free to start again if control lists it a moment longer.
    for (const [id, r] of [...this.running])
      if (r.endsAtMs <= now) this.revert(id, 'expired', 'its time is up');
    const plan = reconcile(new Set(this.running.keys()), this.finished, orders.faults);
    for (const id of plan.abort) this.revert(id, 'reverted', 'control no longer lists it');
    for (const f of plan.keep) this.rearm(f, endsAt(now, orders.issuedAtMs, f.remainingMs));
    for (const f of plan.start) this.start(f, endsAt(now, orders.issuedAtMs, f.remainingMs));
  }

  private start(f: ChaosFault, endsAtMs: number): void {
    const fields = { experimentId: f.experimentId, kind: f.kind, params: f.params };
    let applied: AppliedFault;
    try {
      // For kill this is the one line before the process ends, so it goes first.
      if (f.kind === 'kill') this.log.warn(fields, 'chaos fault applied: kill');
      applied = applyFault(f, this.opts.targets);
      if (f.kind !== 'kill') this.log.warn({ ...fields, endsAtMs }, `chaos fault applied: ${f.kind}`);
    } catch (err) {
      const error = err instanceof FaultNotApplicable ? err.message : String(err);
      if (!(err instanceof FaultNotApplicable))
        this.log.error({ ...fields, err }, 'chaos fault failed to apply');
      else this.log.warn({ ...fields, error }, 'chaos fault cannot apply here');
      this.opts.metrics.chaosFaults.inc({ kind: f.kind, event: 'failed' });
      this.notApplied.push({ experimentId: f.experimentId, kind: f.kind, error });
      if (this.notApplied.length > MAX_NOT_APPLIED) this.notApplied.shift();
      this.finish(f.experimentId);
      return;
    }
    this.counters.applied++;
    this.opts.metrics.chaosFaults.inc({ kind: f.kind, event: 'applied' });
    if (f.kind === 'kill') {
      // Only reached when exit is injected (tests): the process would be gone.
      this.finish(f.experimentId);
      return;
    }
    const startedAtMs = this.now();
    const timer = this.endTimer(f.experimentId, endsAtMs);
    this.running.set(f.experimentId, { fault: f, applied, startedAtMs, endsAtMs, timer });
  }

  /** Control's latest word on a running fault's end wins over ours. */
  private rearm(f: ChaosFault, endsAtMs: number): void {
    const r = this.running.get(f.experimentId);
    if (!r || r.endsAtMs === endsAtMs) return;
    clearTimeout(r.timer);
    r.endsAtMs = endsAtMs;
    r.timer = this.endTimer(f.experimentId, endsAtMs);
  }

  private endTimer(id: string, endsAtMs: number): NodeJS.Timeout {
    const t = setTimeout(
      () => this.revert(id, 'expired', 'its time is up'),
      Math.max(0, endsAtMs - this.now()),
    );
    t.unref();
    return t;
  }

  private revert(id: string, cause: RevertCause, why: string): void {
    const r = this.running.get(id);
    if (!r) return;
    this.running.delete(id);
    clearTimeout(r.timer);
    const f = r.fault;
    try {
      r.applied.revert();
    } catch (err) {
      this.log.error({ experimentId: id, kind: f.kind, err }, 'chaos fault revert failed');
    }
    if (cause === 'expired') this.finish(id);
    this.counters.ended[cause]++;
    this.opts.metrics.chaosFaults.inc({ kind: f.kind, event: cause });
    this.log.warn(
      { experimentId: id, kind: f.kind, params: f.params, cause, ranMs: this.now() - r.startedAtMs },
      `chaos fault reverted (${why}): ${f.kind}`,
    );
  }

  private revertAll(cause: RevertCause, why: string, keep?: (f: ChaosFault) => boolean): void {
    for (const [id, r] of [...this.running]) if (!keep?.(r.fault)) this.revert(id, cause, why);
  }

  private finish(id: string): void {
    this.finished.add(id);
    if (this.finished.size > MAX_FINISHED) this.finished.delete(this.finished.values().next().value!);
  }

  private armLease(ms: number): void {
    this.clearLease();
    this.leaseTimer = setTimeout(() => {
      this.leaseTimer = undefined;
      if (this.running.size === 0) return;
      this.log.warn({ leaseMs: ms }, 'chaos lease expired: no valid orders from control, reverting');
      // An isolate fault is what keeps the orders away: it ends at its own time, not the lease's.
      this.revertAll('lease', `no valid orders for ${ms} ms`, (f) => f.kind === 'isolate');
    }, ms);
    this.leaseTimer.unref();
  }

  private clearLease(): void {
    clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
  }

  private refuse(reason: RefusalReason, detail: string): void {
    const atMs = this.now();
    const repeated = this.lastRefusal?.reason === reason && this.lastRefusal.detail === detail;
    this.lastRefusal = { reason, detail, atMs };
    this.counters.refused++;
    this.opts.metrics.chaosOrders.inc({ result: reason.toLowerCase().replaceAll('_', '-') });
    if (!repeated || atMs - this.lastRefusalLoggedMs >= REFUSAL_LOG_EVERY_MS) {
      this.lastRefusalLoggedMs = atMs;
      this.log.warn({ reason, detail }, 'chaos orders refused');
    } else {
      this.log.debug({ reason, detail }, 'chaos orders refused');
    }
  }
}
