// One contract for both state backends: whatever control does with a StateStore must behave
// the same on a SQLite file and on a real redis-server. Each test works in a namespace of its
// own (a file, or a key prefix), so tests never see each other's state.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogFixture, eventually, type RedisServer, startRedisServer } from '@ferry/harness';
import type { Catalog } from '@ferry/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { heldStateOf } from '../src/model/held-state.js';
import { ControlModel } from '../src/model/model.js';
import type { StoreLogger } from '../src/state/change-feed.js';
import { openRedisStore } from '../src/state/redis-store.js';
import { ResilientStore } from '../src/state/resilient-store.js';
import { openSqliteStore } from '../src/state/sqlite-store.js';
import type {
  ApplianceIdentity,
  ApplianceRecord,
  ExperimentRecord,
  StateChange,
  StateStore,
} from '../src/state/store.js';

interface StoreOpts {
  logger?: StoreLogger;
  eventRetention?: number;
}

interface Harness {
  kind: 'sqlite' | 'redis';
  label: string;
  start(): Promise<void>;
  /** A store on namespace `ns`; calling it again with the same `ns` gives a second instance. */
  open(ns: string, opts?: StoreOpts): Promise<StateStore>;
  stop(): Promise<void>;
}

function sqliteHarness(): Harness {
  let dir = '';
  return {
    kind: 'sqlite',
    label: 'sqlite',
    async start() {
      dir = await mkdtemp(join(tmpdir(), 'ferry-state-'));
    },
    async open(ns, opts) {
      return openSqliteStore(join(dir, `${ns}.db`), opts);
    },
    async stop() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function redisHarness(): Harness {
  let server: RedisServer | undefined;
  return {
    kind: 'redis',
    label: 'redis',
    async start() {
      server = await startRedisServer();
    },
    async open(ns, opts) {
      if (!server) throw new Error('redis-server not started');
      return openRedisStore(server.url, { keyPrefix: `test:${ns}:`, ...opts });
    },
    async stop() {
      await server?.stop();
    },
  };
}

function appliance(id: string, over: Partial<ApplianceRecord> = {}): ApplianceRecord {
  return {
    id,
    site: 'lab-1',
    url: `http://127.0.0.11:8080/${id}`,
    version: '0.1.0',
    reportedState: 'serving',
    health: 'healthy',
    healthReason: 'heartbeat and probe ok',
    capacityBps: 10_000_000_000,
    loadBps: 1_500_000_000,
    connections: 42,
    lastHeartbeatMs: 1_700_000_000_000,
    registeredMs: 1_699_999_000_000,
    ...over,
  };
}

function identity(id: string, over: Partial<ApplianceIdentity> = {}): ApplianceIdentity {
  return {
    id,
    site: 'lab-1',
    publicKey: 'A'.repeat(43),
    urlHosts: ['127.0.0.11'],
    disabled: false,
    enrolledMs: 1_699_999_000_000,
    ...over,
  };
}

function experiment(id: string, over: Partial<ExperimentRecord> = {}): ExperimentRecord {
  return {
    id,
    kind: 'latency',
    target: { appliance: 'a1' },
    appliances: ['a1'],
    params: { delayMs: 200 },
    durationSec: 60,
    state: 'planned',
    source: 'operator',
    createdBy: 'alice',
    createdAtMs: 1,
    startAtMs: 1,
    endsAtMs: 60_001,
    ...over,
  };
}

const catalog: Catalog = catalogFixture({
  titleId: 'title-1',
  streamId: 'title-1-v-1080',
  segmentLengths: [2_500_000, 2_500_000],
});

function prefixes(n: number, first = 10): string[] {
  return Array.from({ length: n }, (_, i) => `${first}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
}

const sorted = (xs: string[]) => [...xs].sort();

/** Polls `check` every 10 ms until it passes or 1 s ends (then its last failure is thrown). */
const soon = (check: () => void) => eventually(check, { timeoutMs: 1000, intervalMs: 10 });

/**
 * Redis behind control's write-behind layer, as buildControlApp uses it: with Redis up it
 * must keep the same contract. Its held state is an empty model, which only an outage reads.
 */
function resilientRedisHarness(): Harness {
  const redis = redisHarness();
  return {
    ...redis,
    label: 'redis behind the write-behind layer',
    async open(ns, opts) {
      const inner = await redis.open(ns, opts);
      if (!inner.link) throw new Error('a redis store has a link');
      const logger = { error: () => {}, warn: () => {}, ...opts?.logger, info: () => {} };
      const store = new ResilientStore({
        inner,
        link: inner.link,
        held: heldStateOf(new ControlModel()),
        logger,
      });
      await store.start();
      return store;
    },
  };
}

const harnesses = [sqliteHarness(), redisHarness(), resilientRedisHarness()];

describe.each(harnesses)('state store contract ($label)', (h) => {
  const opened: StateStore[] = [];
  let counter = 0;
  const nextNs = () => `ns${process.pid}-${++counter}`;
  const open = async (ns = nextNs(), opts?: StoreOpts) => {
    const s = await h.open(ns, opts);
    opened.push(s);
    return s;
  };

  describe('with a running backend', () => {
    beforeAll(() => h.start());
    afterAll(() => h.stop());
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('reports its backend', async () => {
      expect((await open()).backend).toBe(h.kind);
    });

    it('stores, replaces and lists appliances', async () => {
      const s = await open();
      expect(await s.getAppliance('a1')).toBeUndefined();
      expect(await s.listAppliances()).toEqual([]);
      await s.putAppliance(appliance('a2'));
      await s.putAppliance(appliance('a1'));
      await s.putAppliance(appliance('a1', { health: 'unhealthy', healthReason: '3 missed heartbeats' }));
      expect(await s.getAppliance('a1')).toEqual(
        appliance('a1', { health: 'unhealthy', healthReason: '3 missed heartbeats' }),
      );
      expect((await s.listAppliances()).map((a) => a.id)).toEqual(['a1', 'a2']);
    });

    it('keeps the token keys an appliance reports, in order, and tells none from open', async () => {
      const s = await open();
      const keys = [
        { id: 'k2', fingerprint: 'Zm9vYmFyYmF6cXV4' },
        { id: 'k1', fingerprint: 'cXV4YmF6YmFyZm9v' },
      ];
      await s.putAppliance(appliance('a1', { keys }));
      await s.putAppliance(appliance('open', { keys: [] }));
      await s.putAppliance(appliance('old'));
      expect((await s.getAppliance('a1'))?.keys).toEqual(keys);
      expect((await s.getAppliance('open'))?.keys).toEqual([]);
      expect((await s.getAppliance('old'))?.keys).toBeUndefined();
      const listed = await s.listAppliances();
      expect(listed.find((a) => a.id === 'a1')?.keys).toEqual(keys);
      // A rotation replaces the list as a whole.
      await s.putAppliance(appliance('a1', { keys: [keys[0]!] }));
      expect((await s.getAppliance('a1'))?.keys).toEqual([keys[0]]);
    });

    it('applies a routes delta only on the stored epoch and version', async () => {
      const s = await open();
      const delta = { epoch: 'e1', since: 1, version: 2, announced: ['192.0.2.0/24'], withdrawn: [] };
      expect(await s.getRoutes('a1')).toBeUndefined();
      expect(await s.applyRoutesDelta('a1', delta)).toBe(false);
      expect(await s.getRoutes('a1')).toBeUndefined();

      await s.putRoutes('a1', { epoch: 'e1', version: 1, prefixes: ['10.0.0.0/8', '2001:db8::/32'] });
      expect(await s.applyRoutesDelta('a1', delta)).toBe(true);
      const r = await s.getRoutes('a1');
      expect(r && { ...r, prefixes: sorted(r.prefixes) }).toEqual({
        epoch: 'e1',
        version: 2,
        prefixes: ['10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32'],
      });

      // A stale `since` and a new epoch are both refused and change nothing.
      expect(
        await s.applyRoutesDelta('a1', { ...delta, since: 1, version: 3, withdrawn: ['10.0.0.0/8'] }),
      ).toBe(false);
      expect(await s.applyRoutesDelta('a1', { ...delta, epoch: 'e2', since: 2, version: 3 })).toBe(false);
      expect((await s.getRoutes('a1'))?.version).toBe(2);
      expect((await s.getRoutes('a1'))?.prefixes).toHaveLength(3);

      // Withdrawals apply before announcements, as in a BGP UPDATE.
      const next = {
        epoch: 'e1',
        since: 2,
        version: 3,
        announced: ['10.0.0.0/8'],
        withdrawn: ['10.0.0.0/8'],
      };
      expect(await s.applyRoutesDelta('a1', { ...next, withdrawn: ['10.0.0.0/8', '2001:db8::/32'] })).toBe(
        true,
      );
      expect(sorted((await s.getRoutes('a1'))?.prefixes ?? [])).toEqual(['10.0.0.0/8', '192.0.2.0/24']);

      // A snapshot in a new epoch replaces everything; other appliances are untouched.
      await s.putRoutes('a2', { epoch: 'x', version: 7, prefixes: ['198.51.100.0/24'] });
      await s.putRoutes('a1', { epoch: 'e2', version: 0, prefixes: ['203.0.113.0/24'] });
      expect(await s.getRoutes('a1')).toEqual({ epoch: 'e2', version: 0, prefixes: ['203.0.113.0/24'] });
      expect(await s.getRoutes('a2')).toEqual({ epoch: 'x', version: 7, prefixes: ['198.51.100.0/24'] });
      await s.putRoutes('a2', { epoch: 'x', version: 8, prefixes: [] });
      expect(await s.getRoutes('a2')).toEqual({ epoch: 'x', version: 8, prefixes: [] });
    });

    it('applies an inventory delta only on the stored version', async () => {
      const s = await open();
      const delta = { since: 5, version: 6, added: ['f3'], removed: ['f1'] };
      expect(await s.getInventory('a1')).toBeUndefined();
      expect(await s.applyInventoryDelta('a1', delta)).toBe(false);
      await s.putInventory('a1', { version: 5, files: ['f1', 'f2'] });
      expect(await s.applyInventoryDelta('a1', delta)).toBe(true);
      expect(await s.applyInventoryDelta('a1', delta)).toBe(false);
      const inv = await s.getInventory('a1');
      expect(inv && { ...inv, files: sorted(inv.files) }).toEqual({ version: 6, files: ['f2', 'f3'] });
      await s.putInventory('a1', { version: 0, files: [] });
      expect(await s.getInventory('a1')).toEqual({ version: 0, files: [] });
    });

    it('stores, replaces and lists identities', async () => {
      const s = await open();
      const id1 = identity('a1');
      expect(await s.getIdentity('a1')).toBeUndefined();
      expect(await s.listIdentities()).toEqual([]);
      await s.putIdentity(identity('a2'));
      await s.putIdentity(id1);
      await s.putIdentity({ ...id1, disabled: true });
      expect(await s.getIdentity('a1')).toEqual({ ...id1, disabled: true });
      expect((await s.listIdentities()).map((i) => i.id)).toEqual(['a1', 'a2']);
    });

    it('clears reports, and removes identity, record, routes and inventory of one appliance', async () => {
      const s = await open();
      for (const id of ['a1', 'a2']) {
        await s.putIdentity(identity(id));
        await s.putAppliance(appliance(id));
        await s.putRoutes(id, { epoch: 'e', version: 1, prefixes: ['10.0.0.0/8'] });
        await s.putInventory(id, { version: 1, files: ['f1'] });
      }
      await s.clearReports('a1');
      expect(await s.getRoutes('a1')).toBeUndefined();
      expect(await s.getInventory('a1')).toBeUndefined();
      expect(await s.getAppliance('a1')).toEqual(appliance('a1'));
      // A delta on cleared reports is refused, so the appliance is asked for a full report.
      expect(
        await s.applyRoutesDelta('a1', { epoch: 'e', since: 1, version: 2, announced: [], withdrawn: [] }),
      ).toBe(false);

      const seen: StateChange[] = [];
      s.subscribe((c) => seen.push(c));
      await s.removeAppliance('a1');
      expect(seen).toEqual([
        { kind: 'identity', id: 'a1' },
        { kind: 'appliance', id: 'a1' },
        { kind: 'routes', id: 'a1' },
        { kind: 'inventory', id: 'a1' },
        { kind: 'admin', id: 'a1' },
      ]);
      expect(await s.getIdentity('a1')).toBeUndefined();
      expect(await s.getAppliance('a1')).toBeUndefined();
      expect(await s.getRoutes('a1')).toBeUndefined();
      expect(await s.getInventory('a1')).toBeUndefined();
      expect((await s.listAppliances()).map((a) => a.id)).toEqual(['a2']);
      expect((await s.listIdentities()).map((i) => i.id)).toEqual(['a2']);
      expect((await s.getRoutes('a2'))?.prefixes).toEqual(['10.0.0.0/8']);
      expect((await s.getInventory('a2'))?.files).toEqual(['f1']);
    });

    it('stores admin state, deletes a record with neither drain nor window, and drops it with the appliance', async () => {
      const s = await open();
      const seen: StateChange[] = [];
      s.subscribe((c) => seen.push(c));
      const drained = { id: 'a1', drain: { reason: 'disk', by: 'ops', sinceMs: 5 }, maintenance: null };
      const window = { startMs: 10, endMs: 20, reason: '', by: 'ops' };
      await s.putAdmin(drained);
      await s.putAdmin({ id: 'a2', drain: null, maintenance: window });
      expect(await s.getAdmin('a1')).toEqual(drained);
      expect((await s.listAdmins()).map((a) => a.id)).toEqual(['a1', 'a2']);
      await s.putAdmin({ id: 'a2', drain: null, maintenance: null });
      expect(await s.getAdmin('a2')).toBeUndefined();
      await s.removeAppliance('a1');
      expect(await s.listAdmins()).toEqual([]);
      expect(seen.filter((c) => c.kind === 'admin')).toEqual([
        { kind: 'admin', id: 'a1' },
        { kind: 'admin', id: 'a2' },
        { kind: 'admin', id: 'a2' },
        { kind: 'admin', id: 'a1' },
      ]);
    });

    it('round-trips the catalog', async () => {
      const s = await open();
      expect(await s.getCatalog()).toBeUndefined();
      await s.putCatalog(catalog);
      expect(await s.getCatalog()).toEqual(catalog);
      await s.putCatalog({ ...catalog, seed: 'second', titles: [] });
      expect(await s.getCatalog()).toEqual({ ...catalog, seed: 'second', titles: [] });
    });

    it('appends events with increasing seq and lists them by filter and limit', async () => {
      const s = await open();
      const input = [
        { timeMs: 1000, applianceId: 'a1', kind: 'registered' },
        { timeMs: 2000, applianceId: 'a2', kind: 'registered' },
        {
          timeMs: 3000,
          applianceId: 'a1',
          kind: 'health',
          from: 'healthy',
          to: 'unhealthy',
          reason: 'probe failed',
        },
        { timeMs: 3000, kind: 'chaos', reason: 'kill a2' },
        { timeMs: 4000, applianceId: 'a1', kind: 'routes-resync' },
      ];
      const stored = [];
      for (const ev of input) stored.push(await s.appendEvent(ev));
      const seqs = stored.map((e) => e.seq ?? 0);
      expect(seqs.every((q, i) => i === 0 || q > (seqs[i - 1] ?? 0))).toBe(true);
      expect(stored.map(({ seq: _, ...rest }) => rest)).toEqual(input);

      expect(await s.listEvents({ limit: 100 })).toEqual(stored);
      expect((await s.listEvents({ applianceId: 'a1', limit: 100 })).map((e) => e.kind)).toEqual([
        'registered',
        'health',
        'routes-resync',
      ]);
      expect(await s.listEvents({ sinceMs: 2000, untilMs: 3000, limit: 100 })).toEqual(stored.slice(1, 4));
      // The latest N, oldest first; equal times keep append order.
      expect(await s.listEvents({ limit: 2 })).toEqual(stored.slice(3, 5));
      expect(await s.listEvents({ untilMs: 3000, limit: 2 })).toEqual(stored.slice(2, 4));
      expect(await s.listEvents({ applianceId: 'a1', sinceMs: 2000, limit: 1 })).toEqual([stored[4]]);
      expect(await s.listEvents({ limit: 0 })).toEqual([]);
      expect(await s.listEvents({ applianceId: 'nobody', limit: 10 })).toEqual([]);
    });

    it('writes an experiment forward only, keeps the first applied times, and tells subscribers', async () => {
      const s = await open();
      const seen: StateChange[] = [];
      s.subscribe((c) => seen.push(c));
      const planned = experiment('x1');
      expect(await s.putExperiment(planned)).toBe('changed');
      const running = {
        ...planned,
        state: 'running' as const,
        startedAtMs: 2,
        boots: { a1: 'bootbootbootboot' },
      };
      expect(await s.putExperiment(running)).toBe('changed');
      // A copy from behind (another instance's older model) keeps what is stored, but its
      // applied times are merged: first write wins per appliance and field.
      expect(await s.putExperiment({ ...planned, applied: { a1: { sinceMs: 5 } } })).toBe('unchanged');
      expect(await s.putExperiment({ ...running, applied: { a1: { sinceMs: 9, revertedAtMs: 12 } } })).toBe(
        'unchanged',
      );
      expect(await s.getExperiment('x1')).toEqual({
        ...running,
        applied: { a1: { sinceMs: 5, revertedAtMs: 12 } },
      });
      const aborted = { ...running, state: 'aborted' as const, endedAtMs: 20, abortReason: 'by an operator' };
      expect(await s.putExperiment(aborted)).toBe('changed');
      // One final state never replaces another: the first one made wins.
      expect(await s.putExperiment({ ...running, state: 'ended', endedAtMs: 21 })).toBe('unchanged');
      expect(await s.getExperiment('x1')).toEqual({
        ...aborted,
        applied: { a1: { sinceMs: 5, revertedAtMs: 12 } },
      });
      await s.putExperiment(experiment('x0', { state: 'refused', appliances: [] }));
      expect((await s.listExperiments()).map((e) => [e.id, e.state, e.appliances])).toEqual([
        ['x0', 'refused', []],
        ['x1', 'aborted', ['a1']],
      ]);
      expect(await s.getExperiment('nope')).toBeUndefined();
      expect(seen.every((c) => c.kind === 'experiment')).toBe(true);
      expect(seen).toHaveLength(7);
    });

    it("keeps an event's experiment and detail, and lists events by experiment", async () => {
      const s = await open();
      const a = await s.appendEvent({
        timeMs: 10,
        kind: 'chaos-planned',
        experimentId: 'x1',
        applianceId: 'a1',
        detail: { kind: 'latency', params: { delayMs: 200 }, appliances: ['a1'] },
      });
      const b = await s.appendEvent({
        timeMs: 20,
        kind: 'chaos-applied',
        experimentId: 'x1',
        applianceId: 'a2',
      });
      await s.appendEvent({ timeMs: 30, kind: 'chaos-planned', experimentId: 'x2' });
      await s.appendEvent({ timeMs: 40, kind: 'health', applianceId: 'a1' });
      expect(await s.listEvents({ experimentId: 'x1', limit: 10 })).toEqual([a, b]);
      expect(await s.listEvents({ experimentId: 'x1', applianceId: 'a2', limit: 10 })).toEqual([b]);
      expect(await s.listEvents({ experimentId: 'x1', limit: 1 })).toEqual([b]);
      expect((await s.listEvents({ applianceId: 'a1', limit: 10 })).map((e) => e.kind)).toEqual([
        'chaos-planned',
        'health',
      ]);
    });

    it('keeps only the latest events beyond its retention', async () => {
      const s = await open(nextNs(), { eventRetention: 3 });
      const stored = [];
      for (let i = 1; i <= 6; i++)
        stored.push(await s.appendEvent({ timeMs: i * 10, applianceId: 'a1', kind: 'health' }));
      expect(await s.listEvents({ limit: 100 })).toEqual(stored.slice(3));
      expect(await s.listEvents({ applianceId: 'a1', limit: 100 })).toEqual(stored.slice(3));
    });

    it('tells subscribers about every change it makes, and stops when unsubscribed', async () => {
      const s = await open();
      const seen: StateChange[] = [];
      const origins = new Set<string | undefined>();
      const off = s.subscribe((c, origin) => {
        seen.push(c);
        origins.add(origin);
      });
      await s.putAppliance(appliance('a1'));
      await s.putRoutes('a1', { epoch: 'e', version: 1, prefixes: ['10.0.0.0/8'] });
      await s.applyRoutesDelta('a1', { epoch: 'e', since: 1, version: 2, announced: [], withdrawn: [] });
      await s.applyRoutesDelta('a1', { epoch: 'e', since: 1, version: 2, announced: [], withdrawn: [] });
      await s.putInventory('a1', { version: 1, files: [] });
      await s.applyInventoryDelta('a1', { since: 1, version: 2, added: ['f'], removed: [] });
      await s.putCatalog(catalog);
      const ev = await s.appendEvent({ timeMs: 1, kind: 'chaos' });
      expect(seen).toEqual([
        { kind: 'appliance', id: 'a1' },
        { kind: 'routes', id: 'a1' },
        { kind: 'routes', id: 'a1' },
        { kind: 'inventory', id: 'a1' },
        { kind: 'inventory', id: 'a1' },
        { kind: 'catalog' },
        { kind: 'event', event: ev },
      ]);
      // Every change names its writer: this store instance.
      expect([...origins]).toEqual([s.instanceId]);
      off();
      await s.putCatalog(catalog);
      expect(seen).toHaveLength(7);
    });

    it('keeps a committed write when a listener throws, and logs the failure', async () => {
      const errors: string[] = [];
      const logger: StoreLogger = { error: (_o, msg) => errors.push(msg), warn: () => {} };
      const s = await open(nextNs(), { logger });
      const seen: StateChange[] = [];
      s.subscribe(() => {
        throw new Error('listener bug');
      });
      s.subscribe((c) => seen.push(c));
      await s.putCatalog(catalog);
      expect(await s.getCatalog()).toEqual(catalog);
      expect(seen).toEqual([{ kind: 'catalog' }]);
      expect(errors).toEqual(['state change listener failed']);
    });

    it.runIf(h.kind === 'sqlite')('keeps everything when reopened from the same file', async () => {
      const ns = nextNs();
      const a = await open(ns);
      await a.putAppliance(appliance('a1'));
      await a.putRoutes('a1', { epoch: 'e', version: 1, prefixes: ['10.0.0.0/8'] });
      await a.applyRoutesDelta('a1', {
        epoch: 'e',
        since: 1,
        version: 2,
        announced: ['192.0.2.0/24'],
        withdrawn: [],
      });
      await a.putInventory('a1', { version: 3, files: ['f1'] });
      await a.putCatalog(catalog);
      const ev = await a.appendEvent({ timeMs: 5, applianceId: 'a1', kind: 'registered' });
      await a.close();

      const b = await open(ns);
      expect(await b.getAppliance('a1')).toEqual(appliance('a1'));
      expect(sorted((await b.getRoutes('a1'))?.prefixes ?? [])).toEqual(['10.0.0.0/8', '192.0.2.0/24']);
      expect((await b.getRoutes('a1'))?.version).toBe(2);
      expect(await b.getInventory('a1')).toEqual({ version: 3, files: ['f1'] });
      expect(await b.getCatalog()).toEqual(catalog);
      expect(await b.listEvents({ limit: 10 })).toEqual([ev]);
      const next = await b.appendEvent({ timeMs: 6, kind: 'chaos' });
      expect(next.seq ?? 0).toBeGreaterThan(ev.seq ?? 0);
    });

    it.runIf(h.kind === 'redis')(
      'shares state and changes with another instance on the same server',
      async () => {
        const ns = nextNs();
        const a = await open(ns);
        const b = await open(ns);
        const heardByB: StateChange[] = [];
        const heardByA: StateChange[] = [];
        const originsAtB = new Set<string | undefined>();
        b.subscribe((c, origin) => {
          heardByB.push(c);
          originsAtB.add(origin);
        });
        a.subscribe((c) => heardByA.push(c));

        await a.putAppliance(appliance('a1'));
        await a.putRoutes('a1', { epoch: 'e', version: 1, prefixes: ['10.0.0.0/8'] });
        const ev = await a.appendEvent({ timeMs: 5, applianceId: 'a1', kind: 'registered' });
        await soon(() =>
          expect(heardByB).toEqual([
            { kind: 'appliance', id: 'a1' },
            { kind: 'routes', id: 'a1' },
            { kind: 'event', event: ev },
          ]),
        );
        // Each change names its writer, so B's model can tell A's writes from its own.
        expect([...originsAtB]).toEqual([a.instanceId]);
        expect(a.instanceId).not.toBe(b.instanceId);
        expect(await b.getAppliance('a1')).toEqual(appliance('a1'));
        expect(await b.getRoutes('a1')).toEqual({ epoch: 'e', version: 1, prefixes: ['10.0.0.0/8'] });
        expect(await b.listEvents({ limit: 10 })).toEqual([ev]);

        // B continues A's route feed; A hears it once, and its own changes only once.
        expect(
          await b.applyRoutesDelta('a1', { epoch: 'e', since: 1, version: 2, announced: [], withdrawn: [] }),
        ).toBe(true);
        expect(
          await a.applyRoutesDelta('a1', { epoch: 'e', since: 1, version: 2, announced: [], withdrawn: [] }),
        ).toBe(false);
        await soon(() => expect(heardByA.filter((c) => c.kind === 'routes')).toHaveLength(2));
        await new Promise((r) => setTimeout(r, 100));
        expect(heardByA).toHaveLength(4);

        // Another prefix is another namespace: nothing leaks across.
        const other = await open();
        expect(await other.getAppliance('a1')).toBeUndefined();
      },
    );

    it('replaces a snapshot wholly by the next (a new generation), from any iterable', async () => {
      const s = await open();
      await s.putRoutes('g', { epoch: 'e', version: 1, prefixes: ['10.0.0.0/8', '10.1.0.0/16'] });
      await s.putRoutes('g', { epoch: 'f', version: 4, prefixes: new Set(['192.0.2.0/24']) });
      expect(await s.getRoutes('g')).toEqual({ epoch: 'f', version: 4, prefixes: ['192.0.2.0/24'] });
      // The delta lands in the new generation; one on the old epoch is refused.
      expect(
        await s.applyRoutesDelta('g', {
          epoch: 'e',
          since: 1,
          version: 2,
          announced: ['10.2.0.0/16'],
          withdrawn: [],
        }),
      ).toBe(false);
      expect(
        await s.applyRoutesDelta('g', {
          epoch: 'f',
          since: 4,
          version: 5,
          announced: ['10.2.0.0/16'],
          withdrawn: [],
        }),
      ).toBe(true);
      expect((await s.getRoutes('g'))?.prefixes.sort()).toEqual(['10.2.0.0/16', '192.0.2.0/24']);
      await s.putRoutes('g', { epoch: 'f', version: 6, prefixes: [] });
      expect(await s.getRoutes('g')).toEqual({ epoch: 'f', version: 6, prefixes: [] });
    });

    it('writes and reads back a 200k-prefix snapshot, then applies a delta to it', async () => {
      const s = await open();
      const many = prefixes(200_000 - 1).concat(['2001:db8::/32']);
      const t0 = performance.now();
      await s.putRoutes('big', { epoch: 'e', version: 1, prefixes: many });
      const r = await s.getRoutes('big');
      const elapsed = performance.now() - t0;
      expect(r?.prefixes).toHaveLength(200_000);
      expect(new Set(r?.prefixes)).toEqual(new Set(many));
      // Generous: a correctness bound for a slow CI machine, not a benchmark.
      expect(elapsed).toBeLessThan(20_000);
      expect(
        await s.applyRoutesDelta('big', {
          epoch: 'e',
          since: 1,
          version: 2,
          announced: prefixes(20_000, 11),
          withdrawn: prefixes(20_000),
        }),
      ).toBe(true);
      expect((await s.getRoutes('big'))?.prefixes).toHaveLength(200_000);
    });
  });
});
