// Write-behind in front of a shared store (Redis): while the store is away, writes are taken
// in memory instead of failing, so heartbeats keep their normal reply, verdicts keep
// flowing and steering keeps answering from the model; when the store is back, what was
// held is written back (write-back.ts), and a store that came back empty is re-seeded from
// the model. SQLite is local and never wrapped.
//
// Phases: up → (a write times out or fails for lack of a connection) → down: every write is
// held (pending-writes.ts) and answered from the model, reads fail at once with
// FERRY_ERR_STORE_UNAVAILABLE; a probe retries with backoff → catching-up: held keys (and,
// when the data-set marker is missing or changed, every key) written back, writes still
// held → up once nothing is held. Changes the feed announces for a held key are not passed
// on: the store's copy is older than the model's until the write-back lands.
import type { Catalog } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import { ChangeFeed, type StoreLogger } from './change-feed.js';
import { PendingWrites } from './pending-writes.js';
import type {
  AdminRecord,
  ApplianceIdentity,
  ApplianceRecord,
  ChangeListener,
  ControlEvent,
  EventFilter,
  ExperimentRecord,
  ExperimentWrite,
  InventorySet,
  RouteSet,
  StateChange,
  StateStore,
} from './store.js';
import type { StoreLink } from './store-link.js';
import { StoreRecovery, type StoreStatus } from './store-recovery.js';
import type { HeldState } from './write-back.js';

/**
 * How long a write on the request path may wait: under the appliances' 1 s heartbeat
 * timeout, so a hung Redis costs one heartbeat half a second and the next ones nothing.
 */
export const DEFAULT_WRITE_DEADLINE_MS = 500;
/**
 * A big write gets 25 ms per 1000 members on top. Route sets are written in slices that yield
 * to the event loop between them (control/src/slices.ts), so a busy control writes far fewer
 * than Redis could take; 1M prefixes get 25 s, inside the 30 s the agent waits for the reply
 * to a snapshot's last part. A write that misses even this marks Redis away.
 */
const MEMBERS_PER_MS = 40;

export type { StorePhase, StoreStatus } from './store-recovery.js';

export interface ResilientStoreOptions {
  inner: StateStore;
  link: StoreLink;
  held: HeldState;
  logger: StoreLogger & { info(obj: object, msg: string): void };
  writeDeadlineMs?: number;
  eventCap?: number;
}

class DeadlineError extends Error {
  constructor(ms: number) {
    super(`state store did not answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(ms)), ms);
  });
  // The late answer of a write we stopped waiting for still settles; nobody listens then.
  p.catch(() => {});
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export class ResilientStore implements StateStore {
  readonly backend: StateStore['backend'];
  readonly instanceId: string;
  readonly link: StoreLink;
  private readonly inner: StateStore;
  private readonly held: HeldState;
  private readonly feed: ChangeFeed;
  private readonly pending: PendingWrites;
  private readonly recovery: StoreRecovery;
  private readonly deadlineMs: number;
  private readonly unsubscribe: () => void;

  constructor(opts: ResilientStoreOptions) {
    this.inner = opts.inner;
    this.backend = opts.inner.backend;
    this.instanceId = opts.inner.instanceId;
    this.link = opts.link;
    this.held = opts.held;
    this.deadlineMs = opts.writeDeadlineMs ?? DEFAULT_WRITE_DEADLINE_MS;
    this.feed = new ChangeFeed(opts.logger);
    this.pending = new PendingWrites(opts.eventCap);
    this.recovery = new StoreRecovery({
      inner: opts.inner,
      link: opts.link,
      held: opts.held,
      pending: this.pending,
      logger: opts.logger,
      // A write-back that finds a later copy in the store has the model re-read it.
      announce: (change) => this.feed.emit(change, undefined),
    });
    this.unsubscribe = opts.inner.subscribe((change, origin) => {
      if (origin !== this.instanceId && this.pending.holds(change)) return;
      this.feed.emit(change, origin);
    });
  }

  /** Learns which data set the store holds now and starts watching for reconnects. */
  start(): Promise<void> {
    return this.recovery.start();
  }

  status(): StoreStatus {
    return {
      ...this.recovery.status(),
      buffered: this.pending.size,
      droppedEvents: this.pending.droppedEvents,
    };
  }

  /** Holds a change for write-back and reports it like a completed write. */
  private hold(change: StateChange): void {
    this.pending.mark(change);
    this.feed.emit(change, this.instanceId);
  }

  /** `members`: prefixes or files written, so a full BGP table gets the time it needs. */
  private async write<T>(
    change: StateChange,
    run: () => Promise<T>,
    inMemory: () => T,
    members = 0,
  ): Promise<T> {
    if (this.recovery.phase !== 'up') return inMemory();
    try {
      return await withDeadline(run(), this.deadlineMs + Math.floor(members / MEMBERS_PER_MS));
    } catch (err) {
      if (!(err instanceof DeadlineError) && !this.link.isOutage(err)) throw err;
      this.recovery.lost(err, change.kind);
      return inMemory();
    }
  }

  private async read<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.recovery.phase === 'down') throw new FerryError(Errors.STORE_UNAVAILABLE, what);
    try {
      return await run();
    } catch (err) {
      if (!this.link.isOutage(err)) throw err;
      this.recovery.lost(err, what);
      throw new FerryError(Errors.STORE_UNAVAILABLE, what, { cause: err });
    }
  }

  putAppliance(rec: ApplianceRecord): Promise<void> {
    const change: StateChange = { kind: 'appliance', id: rec.id };
    return this.write(
      change,
      () => this.inner.putAppliance(rec),
      () => this.hold(change),
    );
  }

  getAppliance(id: string): Promise<ApplianceRecord | undefined> {
    return this.read('appliance', () => this.inner.getAppliance(id));
  }

  listAppliances(): Promise<ApplianceRecord[]> {
    return this.read('appliances', () => this.inner.listAppliances());
  }

  putRoutes(id: string, routes: RouteSet): Promise<void> {
    const change: StateChange = { kind: 'routes', id };
    return this.write(
      change,
      () => this.inner.putRoutes(id, routes),
      () => this.hold(change),
    );
  }

  applyRoutesDelta(
    id: string,
    delta: { epoch: string; since: number; version: number; announced: string[]; withdrawn: string[] },
  ): Promise<boolean> {
    const change: StateChange = { kind: 'routes', id };
    // Taken in memory, the delta is checked against the model's set, which the caller
    // (ingest/reports.ts) then updates: the model's set is the held copy.
    const inMemory = () => {
      const v = this.held.routesVersion(id);
      const follows = v !== undefined && v.epoch === delta.epoch && v.version === delta.since;
      if (follows) this.hold(change);
      return follows;
    };
    const members = delta.announced.length + delta.withdrawn.length;
    return this.write(change, () => this.inner.applyRoutesDelta(id, delta), inMemory, members);
  }

  getRoutes(id: string): Promise<RouteSet | undefined> {
    return this.read('routes', () => this.inner.getRoutes(id));
  }

  putInventory(id: string, inv: InventorySet): Promise<void> {
    const change: StateChange = { kind: 'inventory', id };
    return this.write(
      change,
      () => this.inner.putInventory(id, inv),
      () => this.hold(change),
    );
  }

  applyInventoryDelta(
    id: string,
    delta: { since: number; version: number; added: string[]; removed: string[] },
  ): Promise<boolean> {
    const change: StateChange = { kind: 'inventory', id };
    const inMemory = () => {
      const follows = this.held.inventoryVersion(id) === delta.since;
      if (follows) this.hold(change);
      return follows;
    };
    return this.write(change, () => this.inner.applyInventoryDelta(id, delta), inMemory);
  }

  getInventory(id: string): Promise<InventorySet | undefined> {
    return this.read('inventory', () => this.inner.getInventory(id));
  }

  // Enrollment is an operator's call: it goes to the store or fails at once with
  // FERRY_ERR_STORE_UNAVAILABLE (the operator retries), never held in memory, so two
  // instances cannot disagree on who is enrolled. Heartbeats check the model's copy.
  putIdentity(identity: ApplianceIdentity): Promise<void> {
    return this.read('identity', () => this.inner.putIdentity(identity));
  }

  getIdentity(id: string): Promise<ApplianceIdentity | undefined> {
    return this.read('identity', () => this.inner.getIdentity(id));
  }

  listIdentities(): Promise<ApplianceIdentity[]> {
    return this.read('identities', () => this.inner.listIdentities());
  }

  clearReports(id: string): Promise<void> {
    return this.read('reports', () => this.inner.clearReports(id));
  }

  removeAppliance(id: string): Promise<void> {
    return this.read('appliance', () => this.inner.removeAppliance(id));
  }

  // Experiments are held like heartbeats: an abort or the end of an experiment must take
  // effect while the store is away (the model stops the orders at once) and reach the store
  // after. New experiments are refused while it is away (chaos/service.ts), so no instance
  // starts one the others cannot see.
  putExperiment(exp: ExperimentRecord): Promise<ExperimentWrite> {
    const change: StateChange = { kind: 'experiment', id: exp.id };
    return this.write(
      change,
      () => this.inner.putExperiment(exp),
      (): ExperimentWrite => {
        this.hold(change);
        return 'changed';
      },
    );
  }

  getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    return this.read('experiment', () => this.inner.getExperiment(id));
  }

  listExperiments(): Promise<ExperimentRecord[]> {
    return this.read('experiments', () => this.inner.listExperiments());
  }

  // Admin state is an operator's call, as enrollment is: straight to the store or
  // FERRY_ERR_STORE_UNAVAILABLE, so every instance orders the same drains.
  putAdmin(rec: AdminRecord): Promise<void> {
    return this.read('admin state', () => this.inner.putAdmin(rec));
  }

  getAdmin(id: string): Promise<AdminRecord | undefined> {
    return this.read('admin state', () => this.inner.getAdmin(id));
  }

  listAdmins(): Promise<AdminRecord[]> {
    return this.read('admin states', () => this.inner.listAdmins());
  }

  putCatalog(catalog: Catalog): Promise<void> {
    const change: StateChange = { kind: 'catalog' };
    return this.write(
      change,
      () => this.inner.putCatalog(catalog),
      () => this.hold(change),
    );
  }

  getCatalog(): Promise<Catalog | undefined> {
    return this.read('catalog', () => this.inner.getCatalog());
  }

  appendEvent(ev: ControlEvent): Promise<ControlEvent> {
    const inMemory = () => {
      this.hold({ kind: 'event', event: ev });
      return ev;
    };
    return this.write({ kind: 'event', event: ev }, () => this.inner.appendEvent(ev), inMemory);
  }

  listEvents(filter: EventFilter): Promise<ControlEvent[]> {
    return this.read('events', () => this.inner.listEvents(filter));
  }

  subscribe(listener: ChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  /** Stops watching and probing; the inner store stays open (its opener closes it). */
  stop(): void {
    this.unsubscribe();
    this.recovery.stop();
    this.feed.clear();
  }

  async close(): Promise<void> {
    this.stop();
    await this.inner.close();
  }
}
