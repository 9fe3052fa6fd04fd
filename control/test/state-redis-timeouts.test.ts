// No store call waits for ever on a hung Redis (SIGSTOP: the socket stays open, nothing
// answers): a bare RedisStore command fails after its command timeout, and the write-behind
// layer in front of it answers a write within its deadline and holds the change.
import { eventually, type RedisServer, startRedisServer } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldStateOf } from '../src/model/held-state.js';
import { ControlModel } from '../src/model/model.js';
import { openRedisStore } from '../src/state/redis-store.js';
import { ResilientStore } from '../src/state/resilient-store.js';
import { applianceRecord } from './support/test-data.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {} };

async function timed<T>(p: Promise<T>): Promise<{ ms: number; ok: boolean; err?: unknown }> {
  const started = Date.now();
  try {
    await p;
    return { ms: Date.now() - started, ok: true };
  } catch (err) {
    return { ms: Date.now() - started, ok: false, err };
  }
}

describe('store calls on a hung Redis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    process.kill(server.pid, 'SIGCONT');
    await server?.stop();
  });

  it('bounds every command and holds writes within the deadline', async () => {
    const inner = await openRedisStore(server.url, {
      keyPrefix: 'hung:',
      logger: quiet,
      commandTimeoutMs: 300,
    });
    const model = new ControlModel();
    const store = new ResilientStore({
      inner,
      link: inner.link,
      held: heldStateOf(model),
      logger: quiet,
      writeDeadlineMs: 150,
    });
    await store.start();
    try {
      process.kill(server.pid, 'SIGSTOP');
      const bare = await timed(inner.getCatalog());
      expect(bare.ok).toBe(false);
      expect(bare.ms).toBeLessThan(1000);

      model.setAppliance(applianceRecord('a1', 5));
      const write = await timed(store.putAppliance(applianceRecord('a1', 5)));
      expect(write.ok).toBe(true);
      expect(write.ms).toBeLessThan(500);
      expect(store.status()).toMatchObject({ up: false, phase: 'down', buffered: 1 });
      // Once down, writes do not wait at all and reads fail at once with a named code.
      expect((await timed(store.putAppliance(applianceRecord('a1', 6)))).ms).toBeLessThan(50);
      const read = await timed(store.listEvents({ limit: 1 }));
      expect(read.ms).toBeLessThan(50);
      expect((read.err as { code?: string }).code).toBe('FERRY_ERR_STORE_UNAVAILABLE');

      process.kill(server.pid, 'SIGCONT');
      await eventually(() => expect(store.status()).toMatchObject({ up: true, buffered: 0 }), {
        timeoutMs: 5000,
        intervalMs: 50,
      });
      expect((await inner.getAppliance('a1'))?.lastHeartbeatMs).toBe(5);
    } finally {
      process.kill(server.pid, 'SIGCONT');
      store.stop();
      await inner.close();
    }
  });
});
