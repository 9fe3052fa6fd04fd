// Control's durable state behind one interface, with two backends that pass the same
// contract tests: SQLite (default, one file) and Redis (several control instances share
// one state and hear each other's changes). Steering never reads the store per request:
// control keeps an in-memory model, loaded at start and kept current through `subscribe`.

import type {
  ApplianceState,
  Catalog,
  ChaosExperiment,
  HealthStatus,
  HeldKey,
  MaintenanceWindow,
  TurnupReport,
} from '@ferry/protocol';
import type { StoreLink } from './store-link.js';

export interface ApplianceRecord {
  id: string;
  site: string;
  url: string;
  version: string;
  /** what the appliance reports of itself */
  reportedState: ApplianceState;
  /** control's health verdict */
  health: HealthStatus;
  healthReason: string;
  capacityBps: number;
  loadBps: number;
  connections: number;
  /** ms since epoch of the last heartbeat */
  lastHeartbeatMs: number;
  registeredMs: number;
  /**
   * Token keys the appliance verifies with, as its last heartbeat said; `[]` when it runs
   * `--open`; absent when it does not report keys (records and appliances from before).
   */
  keys?: HeldKey[];
  /** the appliance process heard last (Heartbeat.boot): chaos orders are scoped to it */
  boot?: string;
  /** its chaos mode as its last heartbeat said; absent when it never reported one */
  chaos?: 'on' | 'off';
  /** bytes of its servable disks as its last heartbeat reported them (placement's capacity) */
  diskBytes?: number;
  /** true once its heartbeats carry a fill report: placement gives it files (docs/fill.md) */
  fills?: boolean;
  /** its last heartbeat's turn-up report; absent from appliances that send none (passed) */
  turnup?: TurnupReport;
}

/**
 * What operators asked of one appliance through control (docs/control.md "Admin state"): a
 * drain and a maintenance window, each independent. Written only by operator calls
 * (admin/service.ts), straight to the store like enrollment; a record with neither is
 * deleted. `startedLogged` notes that the window's start was logged, so a control restart
 * inside the window does not log it again.
 */
export interface AdminRecord {
  id: string;
  drain: { reason: string; by: string; sinceMs: number } | null;
  maintenance: (MaintenanceWindow & { startedLogged?: boolean }) | null;
}

/**
 * A chaos experiment as control keeps it (docs/chaos.md): the API's view, plus the boot of
 * each target appliance when the experiment started, so a restarted appliance is not
 * faulted again. The API serialises only the ChaosExperiment fields.
 */
export interface ExperimentRecord extends ChaosExperiment {
  boots?: Record<string, string>;
}

/**
 * What a store did with putExperiment: `changed` the state moved (planned → running →
 * ended/aborted/refused; this writer made the transition and logs it), `unchanged` only
 * per-appliance `applied` times were merged (the stored state is the same, or already
 * further along and kept).
 */
export type ExperimentWrite = 'changed' | 'unchanged';

/**
 * Who may heartbeat as `id` (enrolled by an operator): the Ed25519 public key that signs its
 * heartbeats, the site it must report, and the hosts its `url` may name (empty: only the
 * address its heartbeats come from). docs/security.md.
 */
export interface ApplianceIdentity {
  id: string;
  site: string;
  /** raw Ed25519 public key, base64url */
  publicKey: string;
  urlHosts: string[];
  /** heartbeats refused and out of steering until enabled again */
  disabled: boolean;
  enrolledMs: number;
}

/** An appliance's learned routes (prefixes only; control's trie needs nothing more). */
export interface RouteSet {
  epoch: string;
  version: number;
  prefixes: string[];
}

/** A snapshot to store: the prefixes may be any iterable (a Set built from a paged snapshot). */
export interface RouteSetInput {
  epoch: string;
  version: number;
  prefixes: Iterable<string>;
}

export interface InventorySet {
  version: number;
  files: string[];
}

export interface ControlEvent {
  /** assigned by the store, increasing */
  seq?: number;
  timeMs: number;
  applianceId?: string;
  /** e.g. 'health', 'registered', 'routes-resync', 'chaos' */
  kind: string;
  from?: string;
  to?: string;
  reason?: string;
  /** the chaos experiment the event is about */
  experimentId?: string;
  /** structured parameters of the event (a chaos experiment's kind, target, params, rule…) */
  detail?: Record<string, unknown>;
}

export interface EventFilter {
  applianceId?: string;
  experimentId?: string;
  sinceMs?: number;
  untilMs?: number;
  limit: number;
}

/** What changed, so other control instances can refresh their model. */
export type StateChange =
  | { kind: 'appliance'; id: string }
  | { kind: 'routes'; id: string }
  | { kind: 'inventory'; id: string }
  | { kind: 'catalog' }
  | { kind: 'identity'; id: string }
  | { kind: 'experiment'; id: string }
  | { kind: 'admin'; id: string }
  | { kind: 'event'; event: ControlEvent };

/**
 * Who wrote a change: the writing store instance's `instanceId`, or undefined when the store
 * announces state as changed without knowing the writer (Redis, after a reconnect).
 */
export type ChangeOrigin = string | undefined;

export type ChangeListener = (change: StateChange, origin: ChangeOrigin) => void;

export interface StateStore {
  readonly backend: 'sqlite' | 'redis';
  /** Tells this instance's writes apart from other instances' in the change feed. */
  readonly instanceId: string;
  /** Shared backends only (Redis): reachability and data-set identity, for resilient-store.ts. */
  readonly link?: StoreLink;

  putAppliance(rec: ApplianceRecord): Promise<void>;
  getAppliance(id: string): Promise<ApplianceRecord | undefined>;
  listAppliances(): Promise<ApplianceRecord[]>;

  /**
   * Replaces an appliance's routes (a snapshot). Readers see the old set or the new one,
   * never a mix; a large set is written in slices that leave the event loop free in between.
   */
  putRoutes(id: string, routes: RouteSetInput): Promise<void>;
  /**
   * Applies a delta when `since` equals the stored version in the same epoch; returns false
   * (and changes nothing) otherwise, so control can ask the appliance for a resync.
   */
  applyRoutesDelta(
    id: string,
    delta: { epoch: string; since: number; version: number; announced: string[]; withdrawn: string[] },
  ): Promise<boolean>;
  getRoutes(id: string): Promise<RouteSet | undefined>;

  putInventory(id: string, inv: InventorySet): Promise<void>;
  applyInventoryDelta(
    id: string,
    delta: { since: number; version: number; added: string[]; removed: string[] },
  ): Promise<boolean>;
  getInventory(id: string): Promise<InventorySet | undefined>;

  putIdentity(identity: ApplianceIdentity): Promise<void>;
  getIdentity(id: string): Promise<ApplianceIdentity | undefined>;
  listIdentities(): Promise<ApplianceIdentity[]>;
  /** Forgets an appliance's routes and inventory (it sends them in full when it may again). */
  clearReports(id: string): Promise<void>;
  /**
   * Removes identity, record, routes, inventory and admin state in one step; the changes announced
   * re-read as absent, so every instance drops the appliance. Events stay.
   */
  removeAppliance(id: string): Promise<void>;

  /**
   * Writes an experiment. Its state only moves forward (planned → running → a final state),
   * judged against the stored copy, so control instances racing on one transition make it
   * once: the loser's write keeps the stored state and returns `unchanged`. `applied` is
   * merged per appliance either way.
   */
  putExperiment(exp: ExperimentRecord): Promise<ExperimentWrite>;
  getExperiment(id: string): Promise<ExperimentRecord | undefined>;
  listExperiments(): Promise<ExperimentRecord[]>;

  /** Writes an appliance's admin state; one with neither drain nor maintenance is deleted. */
  putAdmin(rec: AdminRecord): Promise<void>;
  getAdmin(id: string): Promise<AdminRecord | undefined>;
  listAdmins(): Promise<AdminRecord[]>;

  putCatalog(catalog: Catalog): Promise<void>;
  getCatalog(): Promise<Catalog | undefined>;

  appendEvent(ev: ControlEvent): Promise<ControlEvent>;
  listEvents(filter: EventFilter): Promise<ControlEvent[]>;

  /**
   * Changes made by this or (Redis) any other control instance, each with its origin. This
   * instance's own changes are reported synchronously inside the write call.
   */
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}
