// The heartbeat use case (DESIGN flows 3 and 4): registers unknown appliances, records load
// and state, and applies routes and inventory to the store first, then the model. A delta
// that does not start where control's copy ends asks for a resync. Then fill (flow 5): bytes
// served feed popularity and the fill report is kept for the operator. Last, chaos (flow 6):
// the appliance's report is noted and the reply carries its signed orders. With the health verdicts
// (health-verdict.ts) and the catalog (catalog.ts) this is the only writer of the model
// besides other instances' changes (follow.ts).
import type { Heartbeat, HeartbeatReply, SignedChaosOrders } from '@ferry/protocol';
import { type ErrorSpec, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import { servableDiskBytes } from '../placement/capacity.js';
import type { ApplianceRecord, StateStore } from '../state/store.js';
import { KeyedQueue } from './keyed-queue.js';
import { applyInventory } from './reports.js';
import { RoutesIngest } from './routes.js';

/** The health monitor as the heartbeat sees it. */
export interface HeartbeatSink {
  noteHeartbeat(applianceId: string, atMs: number): void;
}

/** Chaos as the heartbeat sees it (chaos/on-heartbeat.ts). */
export interface ChaosSink {
  /** notes the heartbeat's chaos report and counters; the orders for the reply, if any */
  onHeartbeat(applianceId: string, hb: Heartbeat): Promise<SignedChaosOrders | undefined>;
  /** the orders alone, for the reply to a stale heartbeat */
  ordersOnly(applianceId: string, boot: string): SignedChaosOrders | undefined;
  forget(applianceId: string): void;
}

/** Fill as the heartbeat sees it (fill/service.ts): `served` and the fill report. */
export interface FillSink {
  onHeartbeat(applianceId: string, hb: Heartbeat): Promise<void>;
}

export type HeartbeatResult = 'accepted' | 'stale' | 'routes-resync' | 'inventory-resync';

export interface HeartbeatIngestOptions {
  store: StateStore;
  model: ControlModel;
  health: HeartbeatSink;
  heartbeatIntervalMs: number;
  maxRoutesPerAppliance: number;
  /** counts each outcome (metrics) */
  count(result: HeartbeatResult): void;
  /**
   * Checked again when a heartbeat's turn comes (it was signed and checked on arrival): an
   * appliance disabled or removed while its heartbeat waited must not write. A refusal spec,
   * or undefined to go on.
   */
  admit?(id: string): ErrorSpec | undefined;
  /** absent without --chaos-key: replies carry no orders */
  chaos?: ChaosSink;
  fill?: FillSink;
}

export class HeartbeatIngest {
  private readonly queue = new KeyedQueue();
  /** per appliance: the boot (process) heard last and its highest seq */
  private readonly lastSeq = new Map<string, { boot: string; seq: number }>();
  private readonly routes: RoutesIngest;

  constructor(private readonly opts: HeartbeatIngestOptions) {
    this.routes = new RoutesIngest({
      store: opts.store,
      model: opts.model,
      maxRoutesPerAppliance: opts.maxRoutesPerAppliance,
      // A paged snapshot sends its parts back to back; a minute of silence means it was abandoned.
      partIdleMs: Math.max(60_000, opts.heartbeatIntervalMs * 10),
    });
  }

  /** One heartbeat of appliance `id`; heartbeats of one appliance are handled in arrival order. */
  ingest(id: string, hb: Heartbeat): Promise<HeartbeatReply> {
    return this.queue.run(id, () => this.handle(id, hb));
  }

  /** Runs `task` in appliance `id`'s turn, between its heartbeats (enrollment changes). */
  exclusive<T>(id: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(id, task);
  }

  /** Forgets the (boot, seq) held for a removed appliance. */
  forget(id: string): void {
    this.lastSeq.delete(id);
    this.opts.chaos?.forget(id);
  }

  private async handle(id: string, hb: Heartbeat): Promise<HeartbeatReply> {
    const { store, model } = this.opts;
    const now = Date.now();
    const prev = model.getAppliance(id);
    const reply: HeartbeatReply = {
      routesResync: false,
      inventoryResync: false,
      health: prev?.health ?? 'unknown',
      intervalMs: this.opts.heartbeatIntervalMs,
    };
    const refused = this.opts.admit?.(id);
    if (refused) throw new FerryError(refused, id);
    const held = this.lastSeq.get(id);
    // seq counts within one boot of the appliance process; only a signed heartbeat of the
    // appliance gets here, so nobody else can move it. A new boot starts again at any seq.
    const newBoot = held === undefined || held.boot !== hb.boot;
    if (!newBoot && hb.seq <= held.seq) {
      this.opts.count('stale');
      // A reply without orders means "revert everything": a retried heartbeat must not say so.
      const orders = this.opts.chaos?.ordersOnly(id, hb.boot);
      if (orders) reply.chaos = orders;
      return reply;
    }
    // A restarted process reports in full; a delta from a new boot follows nothing held.
    const fresh = held !== undefined && newBoot;
    // Before anything is written: a report over the routes limit throws and stores nothing.
    const routesPlan =
      hb.routes && !(fresh && hb.routes.kind === 'delta') ? this.routes.plan(id, hb.routes, now) : undefined;
    this.lastSeq.set(id, { boot: hb.boot, seq: hb.seq });

    const rec: ApplianceRecord = {
      id,
      site: hb.site,
      url: hb.url,
      version: hb.version,
      reportedState: hb.state,
      health: prev?.health ?? 'unknown',
      healthReason: prev?.healthReason ?? 'no checks yet',
      capacityBps: hb.capacity.bitsPerSecond,
      loadBps: hb.load.bitsPerSecond,
      connections: hb.load.connections,
      lastHeartbeatMs: now,
      registeredMs: prev?.registeredMs ?? now,
      ...(hb.keys ? { keys: hb.keys } : {}),
      boot: hb.boot,
      ...(hb.chaos ? { chaos: hb.chaos.mode } : {}),
      diskBytes: servableDiskBytes(hb.disks),
      // An appliance that fills reports how in every heartbeat (`--fill on`); one that does
      // not holds what it holds, and placement leaves it out.
      ...(hb.fill ? { fills: true } : {}),
      // Failed checks keep it out of steering (model.isHeldOut) and show in its health.
      ...(hb.turnup ? { turnup: hb.turnup } : {}),
    };
    await store.putAppliance(rec);
    model.setAppliance(rec);
    if (!prev) {
      await store.appendEvent({
        timeMs: now,
        applianceId: id,
        kind: 'registered',
        reason: `${hb.site} ${hb.url}`,
      });
    }

    const target = { store, model, id };
    let routesWhy: string | undefined;
    if (hb.routes && !routesPlan) {
      reply.routesResync = true;
      routesWhy = 'a delta from a new boot follows nothing held';
    }
    if (routesPlan) {
      const out = await this.whileAlive(id, this.routes.apply(id, routesPlan));
      reply.routesResync = out.resync;
      routesWhy = out.reason;
      if (out.next) reply.routesNext = true;
    }
    if (hb.inventory) {
      reply.inventoryResync =
        fresh && hb.inventory.kind === 'delta' ? true : !(await applyInventory(target, hb.inventory));
    }
    for (const [asked, kind, reason] of [
      [reply.routesResync, 'routes-resync', routesWhy],
      [reply.inventoryResync, 'inventory-resync', undefined],
    ] as const) {
      if (!asked) continue;
      this.opts.count(kind);
      await store.appendEvent({
        timeMs: now,
        applianceId: id,
        kind,
        reason: reason ?? 'delta does not follow the held version',
      });
    }
    if (hb.fill || hb.served) await this.opts.fill?.onHeartbeat(id, hb);
    this.opts.count('accepted');
    this.opts.health.noteHeartbeat(id, now);
    reply.health = model.getAppliance(id)?.health ?? rec.health;
    const orders = await this.opts.chaos?.onHeartbeat(id, hb);
    if (orders) reply.chaos = orders;
    return reply;
  }

  /**
   * Swapping in a full table takes seconds, during which the appliance waits for this reply
   * and sends nothing: it is alive, so its heartbeat is kept fresh instead of going stale.
   */
  private async whileAlive<T>(id: string, work: Promise<T>): Promise<T> {
    const timer = setInterval(() => this.opts.health.noteHeartbeat(id, Date.now()), 500);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }
}
