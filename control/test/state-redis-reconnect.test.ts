// A control instance whose change subscription drops (Redis restart, network blip, CLIENT
// KILL) must not keep a model that silently missed other instances' changes: after the
// reconnect its listeners hear every stored item as changed and reload it.

import { eventually, type RedisServer, startRedisServer } from '@ferry/harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreLogger } from '../src/state/change-feed.js';
import { openRedisStore, type RedisStore } from '../src/state/redis-store.js';
import type { StateChange } from '../src/state/store.js';
import { applianceRecord } from './support/test-data.js';

describe('redis state store after its subscriber reconnects', () => {
  let server: RedisServer;
  const stores: RedisStore[] = [];
  let admin: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    admin?.disconnect();
    await Promise.all(stores.map((s) => s.close()));
    await server?.stop();
  });

  it('announces all stored state as changed, including what it may have missed', async () => {
    const quiet: StoreLogger = { error: () => {}, warn: () => {} };
    const a = await openRedisStore(server.url, { keyPrefix: 'rc[1]:', logger: quiet });
    const b = await openRedisStore(server.url, { keyPrefix: 'rc[1]:', logger: quiet });
    stores.push(a, b);
    await a.putAppliance(applianceRecord('a1', 1, 'http://127.0.0.11:8080'));
    await a.putRoutes('a1', { epoch: 'e', version: 1, prefixes: ['10.0.0.0/8'] });
    await a.putInventory('a1', { version: 1, files: ['f1'] });
    await a.putCatalog({ version: 1, generatedAt: '2026-11-22T00:00:00Z', seed: 's', titles: [] });

    const heard: StateChange[] = [];
    const resyncOrigins: (string | undefined)[] = [];
    b.subscribe((c, origin) => {
      heard.push(c);
      if (c.kind === 'appliance' && c.id === 'a1') resyncOrigins.push(origin);
    });

    admin = new Redis(server.url);
    const list = (await admin.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(`name=ferry-control-sub-${b.instanceId}`));
    const id = line?.match(/\bid=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await admin.client('KILL', 'ID', id as string);
    // Written while B's subscription may be down: B hears it either live or through the resync.
    await a.putRoutes('a2', { epoch: 'e', version: 1, prefixes: ['192.0.2.0/24'] });

    await eventually(
      () =>
        expect(heard).toEqual(
          expect.arrayContaining([
            { kind: 'appliance', id: 'a1' },
            { kind: 'routes', id: 'a1' },
            { kind: 'routes', id: 'a2' },
            { kind: 'inventory', id: 'a1' },
            { kind: 'catalog' },
          ]),
        ),
      { timeoutMs: 3000, intervalMs: 20 },
    );
    // a1 was written before B subscribed: only the resync announces it, and without an origin,
    // so no listener mistakes it for its own write and skips it.
    expect(resyncOrigins).toEqual([undefined]);

    // And the live feed works again afterwards.
    await a.putInventory('a3', { version: 1, files: [] });
    await eventually(() => expect(heard).toContainEqual({ kind: 'inventory', id: 'a3' }), {
      timeoutMs: 1000,
      intervalMs: 20,
    });
  });
});
