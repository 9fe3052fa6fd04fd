// Regression (robustness issue): with --redis, a hung or stopped Redis made heartbeats fail,
// appliances went stale and steering answered 503 within 2 s; a Redis that came back empty
// was never re-seeded. Now control takes writes in memory while Redis is away, keeps
// steering from its model, and writes back (or re-seeds) when Redis returns. A real
// redis-server, stopped by its pid (SIGSTOP for a hung one), restarted on the same port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type RedisServer, startRedisServer } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore } from '../src/state/redis-store.js';
import { BeatingAppliance } from './support/beating-appliance.js';
import { type RedisControl, RedisControls } from './support/redis-controls.js';
import { oneStreamCatalog } from './support/test-data.js';

type Instance = RedisControl;

const controls = new RedisControls();
const a1 = controls.a1;
const startInstance = (url: string) => controls.start(url, { commandTimeoutMs: 1000 });
const enrollA1 = (base: string) => controls.enrollA1(base);
const call = (base: string, method: string, path: string, body?: unknown) =>
  controls.call(base, method, path, body);

const quiet = { error: () => {}, warn: () => {} };

const catalog = oneStreamCatalog('away');

/** Steers every 200 ms for `ms`; every answer must be 200 and a1 must stay healthy. */
async function steersThroughout(inst: Instance, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let answers = 0;
  for (let i = 0; i < Math.ceil(ms / 200) + 1 && Date.now() < until; i++) {
    const r = await call(inst.base, 'POST', '/v1/steer', { titleId: 't1' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(inst.control.model.getAppliance('a1')?.health).toBe('healthy');
    answers++;
    await new Promise((r) => setTimeout(r, 200));
  }
  return answers;
}

/** Waits until control's /healthz reports its store up. */
function storeUp(inst: Instance, what: string): Promise<boolean> {
  return eventually(async () => (await call(inst.base, 'GET', '/healthz')).json.store.up === true, {
    what,
    timeoutMs: 8000,
    intervalMs: 100,
  });
}

/** What a fresh store (its own connections) reads back from Redis. */
async function readBack(url: string) {
  const s = await openRedisStore(url, { logger: quiet });
  try {
    return {
      appliance: await s.getAppliance('a1'),
      routes: await s.getRoutes('a1'),
      inventory: await s.getInventory('a1'),
      catalog: await s.getCatalog(),
    };
  } finally {
    await s.close();
  }
}

describe('control while its Redis is away', () => {
  let redis: RedisServer | undefined;
  let dir = '';
  const instances: Instance[] = [];
  let appliance: BeatingAppliance | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-redis-away-'));
    redis = await startRedisServer({ persist: true, dir });
    instances.push(await startInstance(redis.url));
    await enrollA1((instances[0] as Instance).base);
    appliance = new BeatingAppliance('a1', (instances[0] as Instance).base, { files: ['t1-v'], key: a1.key });
    await appliance.listen();
  });

  afterAll(async () => {
    await appliance?.stop();
    for (const i of instances) await i.close();
    if (redis) process.kill(redis.pid, 'SIGCONT');
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
    await controls.remove();
  });

  it('steers from memory while Redis hangs or is stopped, and catches up when it is back', async () => {
    const one = instances[0] as Instance;
    const app = appliance as BeatingAppliance;
    expect((await call(one.base, 'POST', '/v1/catalog', catalog)).status).toBe(200);
    app.start();
    await eventually(
      async () => (await call(one.base, 'POST', '/v1/steer', { titleId: 't1' })).status === 200,
      {
        what: 'a1 in steering',
        timeoutMs: 5000,
      },
    );

    // Hung: the process stays, its socket stays open, nothing answers.
    process.kill((redis as RedisServer).pid, 'SIGSTOP');
    expect(await steersThroughout(one, 5500)).toBeGreaterThan(5);
    const away = await call(one.base, 'GET', '/healthz');
    expect(away.status).toBe(200);
    expect(away.json.store).toMatchObject({ up: false, phase: 'down' });
    expect(away.json.store.buffered).toBeGreaterThan(0);
    const metrics = (await call(one.base, 'GET', '/metrics')).json as string;
    expect(metrics).toMatch(/^ferry_control_store_up 0$/m);
    expect(metrics).toMatch(/^ferry_control_store_buffered_changes [1-9]/m);
    // (c) no heartbeat waited for the hung Redis longer than the agent's timeout.
    expect(app.log.failed).toBe(0);
    expect(app.log.slowestMs).toBeLessThan(1000);

    process.kill((redis as RedisServer).pid, 'SIGCONT');
    await storeUp(one, 'store up again after SIGCONT');
    await eventually(
      async () => {
        const back = await readBack((redis as RedisServer).url);
        expect(back.routes?.version).toBe(one.control.model.routeVersion('a1')?.version);
      },
      { what: 'routes written back', timeoutMs: 3000, intervalMs: 100 },
    );

    // Stopped: the port refuses connections; then restarted on the same port from its AOF.
    await (redis as RedisServer).stop();
    const versionBefore = app.routesVersion;
    expect(await steersThroughout(one, 5500)).toBeGreaterThan(5);
    expect(app.routesVersion).toBeGreaterThan(versionBefore);
    expect(app.log.failed).toBe(0);
    redis = await startRedisServer({ persist: true, dir, port: (redis as RedisServer).port });
    await storeUp(one, 'store up again after the restart');
    await eventually(
      async () => {
        const back = await readBack((redis as RedisServer).url);
        expect(back.routes?.version).toBe(one.control.model.routeVersion('a1')?.version);
        expect(back.routes?.prefixes.length).toBe(one.control.model.routes.count('a1'));
        expect(back.appliance?.lastHeartbeatMs).toBeGreaterThan(Date.now() - 3000);
      },
      { what: 'latest routes and record read back', timeoutMs: 3000, intervalMs: 100 },
    );
    expect(one.control.model.getAppliance('a1')?.health).toBe('healthy');
  });

  it('re-seeds a Redis that comes back empty; a second control loads it and steers', async () => {
    const one = instances[0] as Instance;
    const port = (redis as RedisServer).port;
    await (redis as RedisServer).stop();
    await rm(dir, { recursive: true, force: true });
    // Same port, no persistence: everything Redis held is gone.
    redis = await startRedisServer({ port });
    await eventually(
      async () => {
        const back = await readBack((redis as RedisServer).url);
        expect(back.catalog?.titles[0]?.id).toBe('t1');
        expect(back.appliance?.id).toBe('a1');
        expect(back.routes?.version).toBe(one.control.model.routeVersion('a1')?.version);
        expect(back.inventory?.files).toEqual(['t1-v']);
      },
      { what: 'catalog, record, routes and inventory re-seeded', timeoutMs: 8000, intervalMs: 200 },
    );
    expect((await call(one.base, 'GET', '/healthz')).json.store.reseeds).toBeGreaterThanOrEqual(1);

    const two = await startInstance((redis as RedisServer).url);
    instances.push(two);
    const steer = await call(two.base, 'POST', '/v1/steer', { titleId: 't1' });
    expect(steer.status, JSON.stringify(steer.json)).toBe(200);
    expect(steer.json.streams[0].urls[0].applianceId).toBe('a1');
  });
});
