// The default state backend: one SQLite file (WAL, so the dashboard's reads never wait on a
// heartbeat's write). Prefixes and files are rows in WITHOUT ROWID tables: a delta touches
// only the rows it names; a route snapshot is written by generation in small transactions
// (sqlite-route-sets.ts), so a 1M-prefix table never blocks the event loop for seconds.
// Change notifications reach only this process's listeners; several control instances need
// the Redis backend.
import { randomUUID } from 'node:crypto';
import type { Catalog } from '@ferry/protocol';
import Database from 'better-sqlite3';
import { ChangeFeed, type StoreLogger } from './change-feed.js';
import { mergeExperiment } from './experiment-merge.js';
import { eventRetention } from './retention.js';
import { SqliteRouteSets } from './sqlite-route-sets.js';
import { migrate } from './sqlite-schema.js';
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
  RouteSetInput,
  StateStore,
} from './store.js';

export { SQLITE_SCHEMA_VERSION } from './sqlite-schema.js';

export interface SqliteStoreOptions {
  /** ms a writer waits for another connection's lock before SQLITE_BUSY (default 5000) */
  busyTimeoutMs?: number;
  /** events kept; the oldest beyond this are deleted as new ones arrive (default 1,000,000) */
  eventRetention?: number;
  logger?: StoreLogger;
}

interface EventRow {
  seq: number;
  time_ms: number;
  appliance_id: string | null;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  reason: string | null;
  experiment_id: string | null;
  detail: string | null;
}

function rowToEvent(r: EventRow): ControlEvent {
  const ev: ControlEvent = { seq: r.seq, timeMs: r.time_ms, kind: r.kind };
  if (r.appliance_id !== null) ev.applianceId = r.appliance_id;
  if (r.from_state !== null) ev.from = r.from_state;
  if (r.to_state !== null) ev.to = r.to_state;
  if (r.reason !== null) ev.reason = r.reason;
  if (r.experiment_id !== null) ev.experimentId = r.experiment_id;
  if (r.detail !== null) ev.detail = JSON.parse(r.detail) as Record<string, unknown>;
  return ev;
}

function prepareStatements(db: Database.Database) {
  return {
    putAppliance: db.prepare('INSERT OR REPLACE INTO appliances (id, record) VALUES (?, ?)'),
    getAppliance: db.prepare('SELECT record FROM appliances WHERE id = ?').pluck(),
    listAppliances: db.prepare('SELECT record FROM appliances ORDER BY id').pluck(),
    putInventorySet: db.prepare(
      'INSERT OR REPLACE INTO inventory_sets (appliance_id, version) VALUES (?, ?)',
    ),
    getInventoryVersion: db.prepare('SELECT version FROM inventory_sets WHERE appliance_id = ?').pluck(),
    setInventoryVersion: db.prepare('UPDATE inventory_sets SET version = ? WHERE appliance_id = ?'),
    clearFiles: db.prepare('DELETE FROM inventory_files WHERE appliance_id = ?'),
    // Every route generation of one appliance (current and any left half written).
    clearPrefixes: db.prepare(
      'DELETE FROM route_members WHERE set_id IN (SELECT set_id FROM route_generations WHERE appliance_id = ?)',
    ),
    clearGenerations: db.prepare('DELETE FROM route_generations WHERE appliance_id = ?'),
    addFile: db.prepare('INSERT OR IGNORE INTO inventory_files (appliance_id, file_id) VALUES (?, ?)'),
    removeFile: db.prepare('DELETE FROM inventory_files WHERE appliance_id = ? AND file_id = ?'),
    listFiles: db.prepare('SELECT file_id FROM inventory_files WHERE appliance_id = ?').pluck(),
    putIdentity: db.prepare('INSERT OR REPLACE INTO identities (id, identity) VALUES (?, ?)'),
    getIdentity: db.prepare('SELECT identity FROM identities WHERE id = ?').pluck(),
    listIdentities: db.prepare('SELECT identity FROM identities ORDER BY id').pluck(),
    deleteIdentity: db.prepare('DELETE FROM identities WHERE id = ?'),
    deleteAppliance: db.prepare('DELETE FROM appliances WHERE id = ?'),
    deleteRouteSet: db.prepare('DELETE FROM route_sets WHERE appliance_id = ?'),
    deleteInventorySet: db.prepare('DELETE FROM inventory_sets WHERE appliance_id = ?'),
    putExperiment: db.prepare('INSERT OR REPLACE INTO experiments (id, experiment) VALUES (?, ?)'),
    getExperiment: db.prepare('SELECT experiment FROM experiments WHERE id = ?').pluck(),
    listExperiments: db.prepare('SELECT experiment FROM experiments ORDER BY id').pluck(),
    putAdmin: db.prepare('INSERT OR REPLACE INTO admin_states (id, state) VALUES (?, ?)'),
    getAdmin: db.prepare('SELECT state FROM admin_states WHERE id = ?').pluck(),
    listAdmins: db.prepare('SELECT state FROM admin_states ORDER BY id').pluck(),
    deleteAdmin: db.prepare('DELETE FROM admin_states WHERE id = ?'),
    putCatalog: db.prepare('INSERT OR REPLACE INTO catalog (id, body) VALUES (1, ?)'),
    getCatalog: db.prepare('SELECT body FROM catalog WHERE id = 1').pluck(),
    trimEvents: db.prepare('DELETE FROM events WHERE seq <= ?'),
    appendEvent: db.prepare(
      `INSERT INTO events (time_ms, appliance_id, kind, from_state, to_state, reason, experiment_id, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}

export class SqliteStore implements StateStore {
  readonly backend = 'sqlite' as const;
  /** Every change of this store is this instance's own (one process per file). */
  readonly instanceId = randomUUID();
  private readonly feed: ChangeFeed;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly routeSets: SqliteRouteSets;
  private readonly retention: number;
  /** listEvents statements by filter shape (at most sixteen) */
  private readonly eventQueries = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    options: SqliteStoreOptions = {},
  ) {
    this.feed = new ChangeFeed(options.logger);
    this.retention = eventRetention(options.eventRetention);
    this.stmt = prepareStatements(db);
    this.routeSets = new SqliteRouteSets(db);
  }

  async putAppliance(rec: ApplianceRecord): Promise<void> {
    this.stmt.putAppliance.run(rec.id, JSON.stringify(rec));
    this.feed.emit({ kind: 'appliance', id: rec.id }, this.instanceId);
  }

  async getAppliance(id: string): Promise<ApplianceRecord | undefined> {
    const raw = this.stmt.getAppliance.get(id) as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as ApplianceRecord);
  }

  async listAppliances(): Promise<ApplianceRecord[]> {
    return (this.stmt.listAppliances.all() as string[]).map((raw) => JSON.parse(raw) as ApplianceRecord);
  }

  async putRoutes(id: string, routes: RouteSetInput): Promise<void> {
    await this.routeSets.put(id, routes);
    this.feed.emit({ kind: 'routes', id }, this.instanceId);
  }

  async applyRoutesDelta(
    id: string,
    delta: { epoch: string; since: number; version: number; announced: string[]; withdrawn: string[] },
  ): Promise<boolean> {
    const applied = this.routeSets.applyDelta(id, delta);
    if (applied) this.feed.emit({ kind: 'routes', id }, this.instanceId);
    return applied;
  }

  async getRoutes(id: string): Promise<RouteSet | undefined> {
    return this.routeSets.get(id);
  }

  async putInventory(id: string, inv: InventorySet): Promise<void> {
    this.db.transaction(() => {
      this.stmt.clearFiles.run(id);
      for (const f of inv.files) this.stmt.addFile.run(id, f);
      this.stmt.putInventorySet.run(id, inv.version);
    })();
    this.feed.emit({ kind: 'inventory', id }, this.instanceId);
  }

  async applyInventoryDelta(
    id: string,
    delta: { since: number; version: number; added: string[]; removed: string[] },
  ): Promise<boolean> {
    const applied = this.db.transaction((): boolean => {
      const cur = this.stmt.getInventoryVersion.get(id) as number | undefined;
      if (cur === undefined || cur !== delta.since) return false;
      for (const f of delta.removed) this.stmt.removeFile.run(id, f);
      for (const f of delta.added) this.stmt.addFile.run(id, f);
      this.stmt.setInventoryVersion.run(delta.version, id);
      return true;
    })();
    if (applied) this.feed.emit({ kind: 'inventory', id }, this.instanceId);
    return applied;
  }

  async getInventory(id: string): Promise<InventorySet | undefined> {
    return this.db.transaction((): InventorySet | undefined => {
      const version = this.stmt.getInventoryVersion.get(id) as number | undefined;
      if (version === undefined) return undefined;
      return { version, files: this.stmt.listFiles.all(id) as string[] };
    })();
  }

  async putIdentity(identity: ApplianceIdentity): Promise<void> {
    this.stmt.putIdentity.run(identity.id, JSON.stringify(identity));
    this.feed.emit({ kind: 'identity', id: identity.id }, this.instanceId);
  }

  async getIdentity(id: string): Promise<ApplianceIdentity | undefined> {
    const raw = this.stmt.getIdentity.get(id) as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as ApplianceIdentity);
  }

  async listIdentities(): Promise<ApplianceIdentity[]> {
    return (this.stmt.listIdentities.all() as string[]).map((raw) => JSON.parse(raw) as ApplianceIdentity);
  }

  private deleteReports(id: string): void {
    this.stmt.clearPrefixes.run(id);
    this.stmt.clearGenerations.run(id);
    this.stmt.deleteRouteSet.run(id);
    this.stmt.clearFiles.run(id);
    this.stmt.deleteInventorySet.run(id);
  }

  async clearReports(id: string): Promise<void> {
    this.db.transaction(() => this.deleteReports(id))();
    this.feed.emit({ kind: 'routes', id }, this.instanceId);
    this.feed.emit({ kind: 'inventory', id }, this.instanceId);
  }

  async removeAppliance(id: string): Promise<void> {
    this.db.transaction(() => {
      this.deleteReports(id);
      this.stmt.deleteAppliance.run(id);
      this.stmt.deleteIdentity.run(id);
      this.stmt.deleteAdmin.run(id);
    })();
    for (const kind of ['identity', 'appliance', 'routes', 'inventory', 'admin'] as const) {
      this.feed.emit({ kind, id }, this.instanceId);
    }
  }

  async putExperiment(exp: ExperimentRecord): Promise<ExperimentWrite> {
    const result = this.db.transaction((): ExperimentWrite => {
      const raw = this.stmt.getExperiment.get(exp.id) as string | undefined;
      const stored = raw === undefined ? undefined : (JSON.parse(raw) as ExperimentRecord);
      const merged = mergeExperiment(stored, exp);
      this.stmt.putExperiment.run(exp.id, JSON.stringify(merged.record));
      return merged.result;
    })();
    this.feed.emit({ kind: 'experiment', id: exp.id }, this.instanceId);
    return result;
  }

  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const raw = this.stmt.getExperiment.get(id) as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as ExperimentRecord);
  }

  async listExperiments(): Promise<ExperimentRecord[]> {
    return (this.stmt.listExperiments.all() as string[]).map((raw) => JSON.parse(raw) as ExperimentRecord);
  }

  async putAdmin(rec: AdminRecord): Promise<void> {
    if (rec.drain === null && rec.maintenance === null) this.stmt.deleteAdmin.run(rec.id);
    else this.stmt.putAdmin.run(rec.id, JSON.stringify(rec));
    this.feed.emit({ kind: 'admin', id: rec.id }, this.instanceId);
  }

  async getAdmin(id: string): Promise<AdminRecord | undefined> {
    const raw = this.stmt.getAdmin.get(id) as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as AdminRecord);
  }

  async listAdmins(): Promise<AdminRecord[]> {
    return (this.stmt.listAdmins.all() as string[]).map((raw) => JSON.parse(raw) as AdminRecord);
  }

  async putCatalog(catalog: Catalog): Promise<void> {
    this.stmt.putCatalog.run(JSON.stringify(catalog));
    this.feed.emit({ kind: 'catalog' }, this.instanceId);
  }

  async getCatalog(): Promise<Catalog | undefined> {
    const raw = this.stmt.getCatalog.get() as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as Catalog);
  }

  async appendEvent(ev: ControlEvent): Promise<ControlEvent> {
    const info = this.db.transaction(() => {
      const res = this.stmt.appendEvent.run(
        ev.timeMs,
        ev.applianceId ?? null,
        ev.kind,
        ev.from ?? null,
        ev.to ?? null,
        ev.reason ?? null,
        ev.experimentId ?? null,
        ev.detail === undefined ? null : JSON.stringify(ev.detail),
      );
      // seq never repeats (AUTOINCREMENT): everything at or below this was appended before the kept window.
      this.stmt.trimEvents.run(Number(res.lastInsertRowid) - this.retention);
      return res;
    })();
    const stored: ControlEvent = { ...ev, seq: Number(info.lastInsertRowid) };
    this.feed.emit({ kind: 'event', event: stored }, this.instanceId);
    return stored;
  }

  /** The latest `limit` matching events (by time, then seq), returned oldest first. */
  async listEvents(filter: EventFilter): Promise<ControlEvent[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.applianceId !== undefined) {
      where.push('appliance_id = ?');
      args.push(filter.applianceId);
    }
    if (filter.experimentId !== undefined) {
      where.push('experiment_id = ?');
      args.push(filter.experimentId);
    }
    if (filter.sinceMs !== undefined) {
      where.push('time_ms >= ?');
      args.push(filter.sinceMs);
    }
    if (filter.untilMs !== undefined) {
      where.push('time_ms <= ?');
      args.push(filter.untilMs);
    }
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY time_ms DESC, seq DESC LIMIT ?`;
    let query = this.eventQueries.get(sql);
    if (!query) {
      query = this.db.prepare(sql);
      this.eventQueries.set(sql, query);
    }
    const rows = query.all(...args, Math.max(0, Math.floor(filter.limit))) as EventRow[];
    return rows.reverse().map(rowToEvent);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    this.feed.clear();
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating if needed) the state file at `path`; `:memory:` works for tests. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only a power loss can drop the
    // last commits, and heartbeats resend everything within seconds anyway.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
    migrate(db);
    return new SqliteStore(db, options);
  } catch (err) {
    db.close();
    throw err;
  }
}
