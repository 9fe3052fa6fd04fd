// Control's in-memory view of the world: appliances, their health, who heard which prefix,
// who holds which file, and the catalog. Steering reads only this; the store is the durable
// copy, loaded at start and followed through its change feed. Only ingest/ writes here:
// heartbeats, health verdicts and the catalog from this instance, and other instances'
// changes through the store's feed (ingest/follow.ts).
import type { Catalog, CatalogTitle, HealthStatus, PathPref } from '@ferry/protocol';
import { canonicalPrefix } from '../route-trie/prefix-format.js';
import type { ApplianceRecord, InventorySet, RouteSet } from '../state/store.js';
import { AdminIndex } from './admin.js';
import { ExperimentIndex } from './experiments.js';
import { FillReports } from './fill-reports.js';
import { IdentityIndex } from './identities.js';
import { canonicalSet, RouteIndex } from './route-index.js';
import { type PrefMap, PrefTable } from './route-prefs.js';

export interface RoutesDelta {
  epoch: string;
  since: number;
  version: number;
  announced: string[];
  withdrawn: string[];
}

export interface InventoryDelta {
  since: number;
  version: number;
  added: string[];
  removed: string[];
}

export type ApplianceListener = (rec: ApplianceRecord) => void;

export class ControlModel {
  private readonly appliances = new Map<string, ApplianceRecord>();
  private readonly sites = new Map<string, Set<string>>();
  readonly routes = new RouteIndex();
  private readonly routeVersions = new Map<string, { epoch: string; version: number }>();
  private readonly inventories = new Map<string, Set<string>>();
  private readonly inventoryVersions = new Map<string, number>();
  private catalog: Catalog | undefined;
  private titles = new Map<string, CatalogTitle>();
  private readonly applianceListeners = new Set<ApplianceListener>();
  private readonly removalListeners = new Set<(id: string) => void>();
  /** enrolled identities: who may heartbeat, and who is disabled (out of steering) */
  readonly identities = new IdentityIndex();
  /** chaos experiments: the orders every heartbeat reply carries come from here */
  readonly experiments = new ExperimentIndex();
  /** operators' drains and maintenance windows (docs/control.md "Admin state") */
  readonly admin = new AdminIndex();
  /** the last fill report of each appliance that fills (docs/fill.md) */
  readonly fillReports = new FillReports();
  /**
   * This instance's own health verdicts. They win over the copy in a stored record: each
   * control instance probes for itself, and a record written by a heartbeat (here or on
   * another instance) must not bring back a verdict the monitor has already replaced.
   */
  private readonly health = new Map<string, { health: HealthStatus; reason: string }>();

  // Appliances

  getAppliance(id: string): ApplianceRecord | undefined {
    const rec = this.appliances.get(id);
    return rec ? this.withHealth(rec) : undefined;
  }

  /**
   * The record as held and its health verdict, without the copy getAppliance makes: for the
   * steering path, which reads a few fields of several appliances per answer. Read only.
   */
  peekAppliance(id: string): { rec: Readonly<ApplianceRecord>; health: HealthStatus } | undefined {
    const rec = this.appliances.get(id);
    if (!rec) return undefined;
    return { rec, health: this.health.get(id)?.health ?? rec.health };
  }

  /** Ids of every appliance with a record (unordered; the last resort's candidates). */
  applianceIds(): IterableIterator<string> {
    return this.appliances.keys();
  }

  listAppliances(): ApplianceRecord[] {
    return [...this.appliances.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((rec) => this.withHealth(rec));
  }

  /** Ids of the appliances in one site (the fallback sites of steering). */
  idsInSite(site: string): ReadonlySet<string> {
    return this.sites.get(site) ?? new Set();
  }

  setAppliance(rec: ApplianceRecord): void {
    const prev = this.appliances.get(rec.id);
    const known = prev !== undefined;
    if (prev && prev.site !== rec.site) this.sites.get(prev.site)?.delete(rec.id);
    let site = this.sites.get(rec.site);
    if (!site) {
      site = new Set();
      this.sites.set(rec.site, site);
    }
    site.add(rec.id);
    this.appliances.set(rec.id, { ...rec });
    if (!known) for (const l of this.applianceListeners) l(this.withHealth(rec));
  }

  /** An operator disabled it: no steering, heartbeats refused. */
  isDisabled(id: string): boolean {
    return this.identities.get(id)?.identity.disabled === true;
  }

  /**
   * Out of steering on purpose: drained by an operator, inside a maintenance window, or its
   * last turn-up report failed (an appliance that sends none counts as passed; its health
   * status stays the monitor's, queries/turnup.ts says why). Checked per
   * candidate, so a drain takes effect on the next steering answer, not the next heartbeat.
   */
  isHeldOut(id: string, rec: Readonly<ApplianceRecord>, nowMs: number): boolean {
    return rec.turnup?.passed === false || this.admin.draining(id, nowMs);
  }

  /** Forgets everything about one appliance but its identity (removed apart). */
  removeAppliance(id: string): void {
    const rec = this.appliances.get(id);
    if (rec) this.sites.get(rec.site)?.delete(id);
    this.appliances.delete(id);
    this.health.delete(id);
    this.fillReports.remove(id);
    this.admin.remove(id);
    this.clearReports(id);
    for (const l of this.removalListeners) l(id);
  }

  /** Drops routes and inventory: the appliance leaves the route trie at once. */
  clearReports(id: string): void {
    this.clearRoutes(id);
    this.clearInventory(id);
  }

  clearRoutes(id: string): void {
    this.routes.drop(id);
    this.routeVersions.delete(id);
  }

  clearInventory(id: string): void {
    this.inventories.delete(id);
    this.inventoryVersions.delete(id);
  }

  /** Called for every appliance removed (the health monitor stops probing it). */
  onRemoval(listener: (id: string) => void): () => void {
    this.removalListeners.add(listener);
    return () => this.removalListeners.delete(listener);
  }

  /** Records the monitor's verdict; returns the previous one. */
  setHealth(id: string, health: HealthStatus, reason: string): HealthStatus {
    const prev = this.getAppliance(id)?.health ?? 'unknown';
    this.health.set(id, { health, reason });
    return prev;
  }

  private withHealth(rec: ApplianceRecord): ApplianceRecord {
    const h = this.health.get(rec.id);
    return h ? { ...rec, health: h.health, healthReason: h.reason } : { ...rec };
  }

  /** Called for every appliance added (the health monitor starts probing it). */
  onAppliance(listener: ApplianceListener): () => void {
    this.applianceListeners.add(listener);
    return () => this.applianceListeners.delete(listener);
  }

  // Routes

  routeVersion(id: string): { epoch: string; version: number } | undefined {
    return this.routeVersions.get(id);
  }

  /** Replaces an appliance's routes without stalling the event loop (RouteIndex.replaceSliced). */
  async setRoutes(id: string, routes: RouteSet): Promise<void> {
    await this.swapRoutes(id, routes, await canonicalSet(routes.prefixes));
  }

  /**
   * As setRoutes, with the prefixes already canonical (an assembled paged snapshot) and the
   * routes' preferences (route-prefs.ts; none when the store is the source); the model keeps both.
   */
  async swapRoutes(
    id: string,
    at: { epoch: string; version: number },
    prefixes: Set<string>,
    prefs: PrefMap = new Map(),
  ): Promise<void> {
    const table = await PrefTable.build(prefixes, prefs);
    await this.routes.replaceSliced(id, prefixes);
    this.routes.setPrefs(id, table);
    // The version moves only once the whole set is in, so a delta never lands on a half swap.
    this.routeVersions.set(id, { epoch: at.epoch, version: at.version });
  }

  /** Same rule as the store: the delta must start where the held version ends. */
  applyRoutesDelta(
    id: string,
    delta: RoutesDelta,
    prefs?: Iterable<[string, PathPref | undefined]>,
  ): boolean {
    const held = this.routeVersions.get(id);
    if (!held || held.epoch !== delta.epoch || held.version !== delta.since) return false;
    this.routes.apply(id, delta.announced, delta.withdrawn);
    const withdrawn = [...delta.withdrawn].map(canonicalPrefix).filter((p): p is string => p !== undefined);
    this.routes.updatePrefs(id, prefs ?? [], withdrawn);
    this.routeVersions.set(id, { epoch: delta.epoch, version: delta.version });
    return true;
  }

  // Inventory

  inventoryOf(id: string): ReadonlySet<string> {
    return this.inventories.get(id) ?? new Set();
  }

  inventoryVersion(id: string): number | undefined {
    return this.inventoryVersions.get(id);
  }

  setInventory(id: string, inv: InventorySet): void {
    this.inventories.set(id, new Set(inv.files));
    this.inventoryVersions.set(id, inv.version);
  }

  applyInventoryDelta(id: string, delta: InventoryDelta): boolean {
    const held = this.inventories.get(id);
    if (!held || this.inventoryVersions.get(id) !== delta.since) return false;
    for (const f of delta.removed) held.delete(f);
    for (const f of delta.added) held.add(f);
    this.inventoryVersions.set(id, delta.version);
    return true;
  }

  // Catalog

  getCatalog(): Catalog | undefined {
    return this.catalog;
  }

  getTitle(id: string): CatalogTitle | undefined {
    return this.titles.get(id);
  }

  setCatalog(catalog: Catalog): void {
    this.catalog = catalog;
    this.titles = new Map(catalog.titles.map((t) => [t.id, t]));
  }
}
