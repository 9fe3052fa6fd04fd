// Chaos with two control instances on one Redis (a real redis-server): an experiment asked
// of one is ordered by the other, an abort on either stops both, each transition is made and
// logged once although both timers run, and an abort while Redis is hung takes effect at once
// and reaches Redis when it is back.
import { eventually, type RedisServer, startRedisServer, waitUntil } from '@ferry/harness';
import { ControlClient } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore } from '../src/state/redis-store.js';
import { ChaosAppliance, chaosKeyPair, SITE_OF_THREE } from './support/chaos-fleet.js';
import { enrollAt, makeIdentity, type TestTokens } from './support/fleet-auth.js';
import { type RedisControl, RedisControls } from './support/redis-controls.js';
import { type CountingHealthz, startHealthz } from './support/test-control.js';

const controls = new RedisControls();
const chaos = chaosKeyPair();
let redis: RedisServer | undefined;
let healthz: CountingHealthz | undefined;
let tokens: TestTokens;
const instances: RedisControl[] = [];
const appliances = new Map<string, ChaosAppliance>();

const operator = (inst: RedisControl) =>
  new ControlClient({ baseUrl: inst.base, token: tokens.operator, timeoutMs: 5000 });
const via = (inst: RedisControl) => new ControlClient({ baseUrl: inst.base, timeoutMs: 5000 });
const a = (id: string) => appliances.get(id) as ChaosAppliance;

beforeAll(async () => {
  redis = await startRedisServer();
  healthz = await startHealthz();
  for (let i = 0; i < 2; i++) {
    instances.push(
      await controls.start(
        redis.url,
        { commandTimeoutMs: 1000 },
        { chaosKey: chaos.key, chaosTiming: { tickMs: 25 } },
      ),
    );
  }
  const [one, two] = instances as [RedisControl, RedisControl];
  tokens = await controls.tokenSet();
  for (const spec of SITE_OF_THREE) {
    const identity = makeIdentity(spec.id);
    await enrollAt(one.base, tokens.admin, identity, 'site-a', []);
    await waitUntil(async () => two.control.model.identities.get(spec.id) !== undefined, {
      what: `instance two knows ${spec.id}`,
      timeoutMs: 5000,
      intervalMs: 20,
    });
    const appliance = new ChaosAppliance(
      { ...spec, site: 'site-a' },
      via(one),
      identity.key,
      healthz.url,
      chaos.publicKey,
    );
    appliances.set(spec.id, appliance);
    await appliance.beat();
  }
  await eventually(
    () => {
      for (const inst of instances) {
        for (const spec of SITE_OF_THREE)
          expect(inst.control.model.getAppliance(spec.id)?.health).toBe('healthy');
      }
    },
    { timeoutMs: 10_000 },
  );
});

afterAll(async () => {
  for (const inst of instances) await inst.close();
  await healthz?.stop();
  await redis?.stop();
  await controls.remove();
});

describe('chaos on two control instances sharing Redis', () => {
  it('an experiment asked of one instance is ordered by the other, and an abort on the other stops both', async () => {
    const [one, two] = instances as [RedisControl, RedisControl];
    const exp = await operator(one).runChaos({
      kind: 'latency',
      target: { appliance: 'a1' },
      durationSec: 60,
      params: { delayMs: 100 },
    });
    await eventually(async () => expect((await operator(two).getChaos(exp.id)).state).toBe('running'), {
      timeoutMs: 5000,
    });
    const a1 = a('a1');
    a1.client = via(two);
    await a1.beat();
    expect(a1.ordered()).toEqual([exp.id]);
    // The other instance refuses a second one on a1 as it would its own.
    await expect(
      operator(two).runChaos({ kind: 'kill', target: { appliance: 'a1' }, durationSec: 5 }),
    ).rejects.toMatchObject({ status: 409, errorCode: 'FERRY_ERR_CHAOS_RULE_OVERLAP' });

    await operator(two).abortChaos(exp.id);
    await eventually(() => expect(one.control.model.experiments.get(exp.id)?.state).toBe('aborted'), {
      timeoutMs: 5000,
    });
    a1.client = via(one);
    expect((await a1.beat()).chaos).toBeUndefined();
  });

  it('makes and logs each transition once, though both instances run the timer', async () => {
    const [one, two] = instances as [RedisControl, RedisControl];
    const exp = await operator(one).runChaos({
      kind: 'kill',
      target: { appliance: 'a2' },
      durationSec: 1,
      startAtMs: Date.now() + 300,
    });
    for (const inst of [one, two]) {
      await eventually(() => expect(inst.control.model.experiments.get(exp.id)?.state).toBe('ended'), {
        timeoutMs: 5000,
      });
    }
    // The event is written after the state changes: wait for it, then make sure no second
    // instance adds its own copy a moment later.
    const kinds = async () => (await operator(two).events({ experiment: exp.id })).events.map((e) => e.kind);
    const once = ['chaos-planned', 'chaos-started', 'chaos-ended'];
    await eventually(async () => expect(await kinds()).toEqual(once), { timeoutMs: 5000, intervalMs: 50 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await kinds()).toEqual(once);
  });

  it('takes an abort while Redis is hung at once, and writes it back when Redis returns', async () => {
    const [one, two] = instances as [RedisControl, RedisControl];
    const exp = await operator(one).runChaos({
      kind: 'latency',
      target: { appliance: 'a3' },
      durationSec: 120,
      params: { delayMs: 100 },
    });
    const a3 = a('a3');
    await a3.beat();
    expect(a3.ordered()).toEqual([exp.id]);
    const pid = (redis as RedisServer).pid;
    process.kill(pid, 'SIGSTOP');
    try {
      expect((await operator(one).abortChaos(exp.id)).state).toBe('aborted');
      expect((await a3.beat()).chaos).toBeUndefined();
      // New experiments wait for the store: the other instance could not see them.
      await expect(
        operator(one).runChaos({ kind: 'kill', target: { appliance: 'a1' }, durationSec: 5 }),
      ).rejects.toMatchObject({ status: 503, errorCode: 'FERRY_ERR_STORE_UNAVAILABLE' });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await eventually(() => expect(two.control.model.experiments.get(exp.id)?.state).toBe('aborted'), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const fresh = await openRedisStore((redis as RedisServer).url, {
      logger: { error: () => {}, warn: () => {} },
    });
    try {
      expect((await fresh.getExperiment(exp.id))?.state).toBe('aborted');
      // The held event is written back after the held keys.
      await eventually(
        async () => {
          const kinds = (await fresh.listEvents({ experimentId: exp.id, limit: 10 })).map((e) => e.kind);
          expect(kinds).toEqual(['chaos-planned', 'chaos-started', 'chaos-aborted']);
        },
        { timeoutMs: 5000, intervalMs: 50 },
      );
    } finally {
      await fresh.close();
    }
  });
});
