// The shared state backend: several control instances use one Redis and hear each other's
// changes on a pub/sub channel. Routes and inventory are a hash (epoch, version) beside a set
// of members, so a delta is a few SADD/SREM run by a Lua script that first checks `since`;
// an inventory is one MULTI, a route snapshot a new generation written in chunks
// (redis-route-sets.ts). Events are members of sorted sets scored by time (one for all, one
// per appliance), each member `<zero-padded seq>|<json>` so equal times keep append order.
//
// Keys, under the prefix (default `ferry:`):
//   appliances                hash id -> ApplianceRecord JSON
//   routes:{id}:meta          hash epoch, version, set routes:{id}:set:{g} set of prefixes
//   inventory:{id}:meta       hash version             inventory:{id}:set  set of file ids
//   identities                hash id -> ApplianceIdentity JSON
//   experiments               hash id -> ExperimentRecord JSON, experiments:{id}:applied hash
//                             (redis-experiments.ts)
//   admin                     hash id -> AdminRecord JSON (drain, maintenance window)
//   catalog                   string, Catalog JSON
//   dataset                   string, id of this data set (redis-dataset.ts)
//   events:seq                counter                  events, events:appliance:{id},
//                                                      events:experiment:{id}  sorted sets
//   changes                   pub/sub channel of { origin, change }
import { randomUUID } from 'node:crypto';
import type { Catalog } from '@ferry/protocol';
import type { Redis } from 'ioredis';
import { ChangeFeed, type StoreLogger } from './change-feed.js';
import { connectPair, execValues, QUIT_TIMEOUT_MS, quitWithin } from './redis-connection.js';
import { claimFreshDataset, redisLink } from './redis-dataset.js';
import { RedisExperiments } from './redis-experiments.js';
import { changesForResync } from './redis-resync.js';
import { RedisRouteSets } from './redis-route-sets.js';
import {
  EXPERIMENT_PUT_LUA,
  INVENTORY_DELTA_LUA,
  ROUTES_DELTA_LUA,
  ROUTES_FLIP_LUA,
} from './redis-scripts.js';
import { eventRetention } from './retention.js';
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
  StateChange,
  StateStore,
} from './store.js';
import type { StoreLink } from './store-link.js';

export interface RedisStoreOptions {
  /** prefix of every key and of the change channel (default `ferry:`) */
  keyPrefix?: string;
  /** events kept; the oldest beyond this are removed as new ones arrive (default 1,000,000) */
  eventRetention?: number;
  /** bound on every command's reply (default 5000 ms, redis-connection.ts) */
  commandTimeoutMs?: number;
  logger?: StoreLogger;
}

/** Members per SADD in a snapshot: large enough to be few commands, small enough to stay cheap. */
const SNAPSHOT_CHUNK = 10_000;
const SEQ_WIDTH = 16;
const RESYNC_MAX_BACKOFF_MS = 30_000;

interface ChangeMessage {
  origin: string;
  change: StateChange;
}

export class RedisStore implements StateStore {
  readonly backend = 'redis' as const;
  private readonly feed: ChangeFeed;
  private readonly p: string;
  private readonly channel: string;
  private closed = false;
  private readonly retention: number;
  private resyncTimer: NodeJS.Timeout | undefined;
  readonly link: StoreLink;
  private readonly routeSets: RedisRouteSets;
  private readonly experiments: RedisExperiments;

  constructor(
    private readonly client: Redis,
    private readonly sub: Redis,
    options: RedisStoreOptions = {},
    /** tells this instance's own messages apart from other instances' on the shared channel */
    readonly instanceId: string = randomUUID(),
  ) {
    this.feed = new ChangeFeed(options.logger);
    this.retention = eventRetention(options.eventRetention);
    this.p = options.keyPrefix ?? 'ferry:';
    this.channel = `${this.p}changes`;
    this.link = redisLink(client, this.p);
    client.defineCommand('ferryRoutesDelta', { numberOfKeys: 3, lua: ROUTES_DELTA_LUA });
    client.defineCommand('ferryInventoryDelta', { numberOfKeys: 3, lua: INVENTORY_DELTA_LUA });
    client.defineCommand('ferryRoutesFlip', { numberOfKeys: 2, lua: ROUTES_FLIP_LUA });
    client.defineCommand('ferryExperimentPut', { numberOfKeys: 3, lua: EXPERIMENT_PUT_LUA });
    this.routeSets = new RedisRouteSets(client, this.p, this.channel);
    this.experiments = new RedisExperiments(client, this.p, this.channel);
    sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // The first 'ready' happened before construction; any later one is a reconnect.
    sub.on('ready', () => {
      void this.resync(0);
    });
  }

  /** Subscribes to the change channel; resolves once Redis has confirmed, so nothing is missed after open. */
  async start(): Promise<void> {
    await this.sub.subscribe(this.channel);
    await claimFreshDataset(this.link);
  }

  private async resync(attempt: number): Promise<void> {
    clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    if (this.closed) return;
    try {
      // ioredis resubscribes by itself, but only this reply proves the subscription is live
      // again, so nothing published after the reads below can be missed.
      await this.sub.subscribe(this.channel);
      const changes = await changesForResync(this.client, this.p);
      this.feed.logger.warn(
        { changes: changes.length },
        'redis change feed reconnected; announcing all state as changed',
      );
      // The writers of what was missed are unknown: no origin, so every listener re-reads.
      for (const change of changes) this.feed.emit(change, undefined);
    } catch (err) {
      const retryMs = Math.min(RESYNC_MAX_BACKOFF_MS, 250 * 2 ** attempt);
      this.feed.logger.error({ err, attempt, retryMs }, 'state resync after a redis reconnect failed');
      this.resyncTimer = setTimeout(() => void this.resync(attempt + 1), retryMs);
      this.resyncTimer.unref();
    }
  }

  private onMessage(channel: string, message: string): void {
    if (channel !== this.channel) return;
    let parsed: ChangeMessage;
    try {
      parsed = JSON.parse(message) as ChangeMessage;
    } catch (err) {
      this.feed.logger.warn({ err, channel }, 'unreadable state change message');
      return;
    }
    // Own changes were delivered when the write completed; hearing them again would double them.
    if (parsed.origin !== this.instanceId) this.feed.emit(parsed.change, parsed.origin);
  }

  private message(change: StateChange): string {
    return JSON.stringify({ origin: this.instanceId, change } satisfies ChangeMessage);
  }

  private key(...parts: string[]): string {
    return this.p + parts.join(':');
  }

  async putAppliance(rec: ApplianceRecord): Promise<void> {
    const change: StateChange = { kind: 'appliance', id: rec.id };
    execValues(
      await this.client
        .multi()
        .hset(this.key('appliances'), rec.id, JSON.stringify(rec))
        .publish(this.channel, this.message(change))
        .exec(),
    );
    this.feed.emit(change, this.instanceId);
  }

  async getAppliance(id: string): Promise<ApplianceRecord | undefined> {
    const raw = await this.client.hget(this.key('appliances'), id);
    return raw === null ? undefined : (JSON.parse(raw) as ApplianceRecord);
  }

  async listAppliances(): Promise<ApplianceRecord[]> {
    const all = await this.client.hgetall(this.key('appliances'));
    return Object.keys(all)
      .sort()
      .map((id) => JSON.parse(all[id] as string) as ApplianceRecord);
  }

  /** Replaces meta and members in one MULTI, so readers see the old set or the new one. */
  private async putSet(
    kind: 'inventory',
    id: string,
    meta: Record<string, string>,
    members: string[],
  ): Promise<void> {
    const change: StateChange = { kind, id };
    const metaKey = this.key(kind, id, 'meta');
    const setKey = this.key(kind, id, 'set');
    const tx = this.client.multi().del(setKey, metaKey);
    for (let i = 0; i < members.length; i += SNAPSHOT_CHUNK) {
      tx.sadd(setKey, ...members.slice(i, i + SNAPSHOT_CHUNK));
    }
    tx.hset(metaKey, meta).publish(this.channel, this.message(change));
    execValues(await tx.exec());
    this.feed.emit(change, this.instanceId);
  }

  private async getSet(kind: 'inventory', id: string, fields: string[]) {
    const [meta, members] = execValues(
      await this.client
        .multi()
        .hmget(this.key(kind, id, 'meta'), ...fields)
        .smembers(this.key(kind, id, 'set'))
        .exec(),
    ) as [(string | null)[], string[]];
    return { meta, members };
  }

  async putRoutes(id: string, routes: RouteSetInput): Promise<void> {
    const change: StateChange = { kind: 'routes', id };
    await this.routeSets.put(id, routes, this.message(change));
    this.feed.emit(change, this.instanceId);
  }

  async applyRoutesDelta(
    id: string,
    delta: { epoch: string; since: number; version: number; announced: string[]; withdrawn: string[] },
  ): Promise<boolean> {
    const change: StateChange = { kind: 'routes', id };
    const applied = await this.routeSets.applyDelta(id, delta, this.message(change));
    if (applied) this.feed.emit(change, this.instanceId);
    return applied;
  }

  async getRoutes(id: string): Promise<RouteSet | undefined> {
    return this.routeSets.get(id);
  }

  async putInventory(id: string, inv: InventorySet): Promise<void> {
    await this.putSet('inventory', id, { version: String(inv.version) }, inv.files);
  }

  async applyInventoryDelta(
    id: string,
    delta: { since: number; version: number; added: string[]; removed: string[] },
  ): Promise<boolean> {
    const change: StateChange = { kind: 'inventory', id };
    const applied = await this.client.ferryInventoryDelta(
      this.key('inventory', id, 'meta'),
      this.key('inventory', id, 'set'),
      this.channel,
      String(delta.since),
      String(delta.version),
      this.message(change),
      String(delta.removed.length),
      delta.removed,
      delta.added,
    );
    if (applied === 1) this.feed.emit(change, this.instanceId);
    return applied === 1;
  }

  async getInventory(id: string): Promise<InventorySet | undefined> {
    const { meta, members } = await this.getSet('inventory', id, ['version']);
    const [version] = meta;
    if (version == null) return undefined;
    return { version: Number(version), files: members };
  }

  async putIdentity(identity: ApplianceIdentity): Promise<void> {
    const change: StateChange = { kind: 'identity', id: identity.id };
    execValues(
      await this.client
        .multi()
        .hset(this.key('identities'), identity.id, JSON.stringify(identity))
        .publish(this.channel, this.message(change))
        .exec(),
    );
    this.feed.emit(change, this.instanceId);
  }

  async getIdentity(id: string): Promise<ApplianceIdentity | undefined> {
    const raw = await this.client.hget(this.key('identities'), id);
    return raw === null ? undefined : (JSON.parse(raw) as ApplianceIdentity);
  }

  async listIdentities(): Promise<ApplianceIdentity[]> {
    const all = await this.client.hgetall(this.key('identities'));
    return Object.keys(all)
      .sort()
      .map((id) => JSON.parse(all[id] as string) as ApplianceIdentity);
  }

  /** One MULTI: the listed writes, the report keys deleted, each change published. */
  private async removeWith(
    id: string,
    extra: (tx: ReturnType<Redis['multi']>) => void,
    changes: StateChange[],
  ): Promise<void> {
    const tx = this.client.multi();
    extra(tx);
    tx.del(
      this.key('routes', id, 'meta'),
      this.key('routes', id, 'set'),
      this.key('inventory', id, 'meta'),
      this.key('inventory', id, 'set'),
    );
    for (const change of changes) tx.publish(this.channel, this.message(change));
    execValues(await tx.exec());
    for (const change of changes) this.feed.emit(change, this.instanceId);
  }

  async clearReports(id: string): Promise<void> {
    await this.removeWith(id, () => {}, [
      { kind: 'routes', id },
      { kind: 'inventory', id },
    ]);
  }

  async removeAppliance(id: string): Promise<void> {
    const drop = (tx: ReturnType<Redis['multi']>) =>
      tx.hdel(this.key('appliances'), id).hdel(this.key('identities'), id).hdel(this.key('admin'), id);
    await this.removeWith(id, drop, [
      { kind: 'identity', id },
      { kind: 'appliance', id },
      { kind: 'routes', id },
      { kind: 'inventory', id },
      { kind: 'admin', id },
    ]);
  }

  async putExperiment(exp: ExperimentRecord): Promise<ExperimentWrite> {
    const change: StateChange = { kind: 'experiment', id: exp.id };
    const result = await this.experiments.put(exp, this.message(change));
    this.feed.emit(change, this.instanceId);
    return result;
  }

  getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    return this.experiments.get(id);
  }

  listExperiments(): Promise<ExperimentRecord[]> {
    return this.experiments.list();
  }

  async putAdmin(rec: AdminRecord): Promise<void> {
    const change: StateChange = { kind: 'admin', id: rec.id };
    const tx = this.client.multi();
    if (rec.drain === null && rec.maintenance === null) tx.hdel(this.key('admin'), rec.id);
    else tx.hset(this.key('admin'), rec.id, JSON.stringify(rec));
    execValues(await tx.publish(this.channel, this.message(change)).exec());
    this.feed.emit(change, this.instanceId);
  }

  async getAdmin(id: string): Promise<AdminRecord | undefined> {
    const raw = await this.client.hget(this.key('admin'), id);
    return raw === null ? undefined : (JSON.parse(raw) as AdminRecord);
  }

  async listAdmins(): Promise<AdminRecord[]> {
    const all = await this.client.hgetall(this.key('admin'));
    return Object.keys(all)
      .sort()
      .map((id) => JSON.parse(all[id] as string) as AdminRecord);
  }

  async putCatalog(catalog: Catalog): Promise<void> {
    const change: StateChange = { kind: 'catalog' };
    execValues(
      await this.client
        .multi()
        .set(this.key('catalog'), JSON.stringify(catalog))
        .publish(this.channel, this.message(change))
        .exec(),
    );
    this.feed.emit(change, this.instanceId);
  }

  async getCatalog(): Promise<Catalog | undefined> {
    const raw = await this.client.get(this.key('catalog'));
    return raw === null ? undefined : (JSON.parse(raw) as Catalog);
  }

  async appendEvent(ev: ControlEvent): Promise<ControlEvent> {
    const seq = await this.client.incr(this.key('events', 'seq'));
    const stored: ControlEvent = { ...ev, seq };
    const member = `${String(seq).padStart(SEQ_WIDTH, '0')}|${JSON.stringify(stored)}`;
    const change: StateChange = { kind: 'event', event: stored };
    // Trimming by rank keeps the latest by time; usually it removes one member or none.
    const tx = this.client
      .multi()
      .zadd(this.key('events'), ev.timeMs, member)
      .zremrangebyrank(this.key('events'), 0, -this.retention - 1);
    for (const [by, id] of [
      ['appliance', ev.applianceId],
      ['experiment', ev.experimentId],
    ] as const) {
      if (id === undefined) continue;
      const key = this.key('events', by, id);
      tx.zadd(key, ev.timeMs, member).zremrangebyrank(key, 0, -this.retention - 1);
    }
    tx.publish(this.channel, this.message(change));
    execValues(await tx.exec());
    this.feed.emit(change, this.instanceId);
    return stored;
  }

  /** The latest `limit` matching events (by time, then seq), returned oldest first. */
  async listEvents(filter: EventFilter): Promise<ControlEvent[]> {
    const limit = Math.max(0, Math.floor(filter.limit));
    if (limit === 0) return [];
    const { applianceId, experimentId } = filter;
    const key =
      experimentId !== undefined
        ? this.key('events', 'experiment', experimentId)
        : applianceId !== undefined
          ? this.key('events', 'appliance', applianceId)
          : this.key('events');
    // Both filters: an experiment's events are few, so its whole set is read and filtered.
    const both = experimentId !== undefined && applianceId !== undefined;
    const [max, min] = [filter.untilMs ?? '+inf', filter.sinceMs ?? '-inf'];
    const members = both
      ? await this.client.zrevrangebyscore(key, max, min)
      : await this.client.zrevrangebyscore(key, max, min, 'LIMIT', 0, limit);
    const events = members.map((m) => JSON.parse(m.slice(m.indexOf('|') + 1)) as ControlEvent);
    const kept = both ? events.filter((e) => e.applianceId === applianceId).slice(0, limit) : events;
    return kept.reverse();
  }

  subscribe(listener: ChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.resyncTimer);
    this.feed.clear();
    await Promise.all([quitWithin(this.sub, QUIT_TIMEOUT_MS), quitWithin(this.client, QUIT_TIMEOUT_MS)]);
  }
}

/** Connects two clients (commands, and the change subscription) and waits until both are ready. */
export async function openRedisStore(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
  const instanceId = randomUUID();
  const { client, sub } = await connectPair(url, instanceId, options.logger, options.commandTimeoutMs);
  const store = new RedisStore(client, sub, options, instanceId);
  try {
    await store.start();
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}
