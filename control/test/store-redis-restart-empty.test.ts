// Regression (robustness issue): a lone control restarted on a Redis that came back empty
// must not stay without routes and inventory. It cannot know them from anywhere but the
// appliances: their next deltas do not follow anything control holds, so control answers
// routesResync / inventoryResync and the full reports that follow rebuild the model. The
// catalog has no such source; it is unknown (UNKNOWN_TITLE) until it is posted again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, hasRedisServer, type RedisServer, startRedisServer } from '@ferry/harness';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, validateConfig } from '../src/config.js';
import { buildControlApp, type ControlApp } from '../src/server/app.js';
import { openRedisStore, type RedisStore } from '../src/state/redis-store.js';
import { BeatingAppliance } from './support/beating-appliance.js';
import { makeIdentity, type TestTokens, writeTestTokens } from './support/fleet-auth.js';

interface Instance {
  store: RedisStore;
  control: ControlApp;
  base: string;
}

async function startInstance(url: string): Promise<Instance> {
  const store = await openRedisStore(url, { logger: { error: () => {}, warn: () => {} } });
  const config = validateConfig({
    ...DEFAULTS,
    listen: { host: '127.0.0.1', port: 0 },
    fallbackSites: [],
    trustedProxies: ['127.0.0.1/32'],
    logLevel: 'silent',
    operatorTokensFile: (await credentials()).tokens.file,
  });
  const control = await buildControlApp({ config, store, logger: pino({ level: 'silent' }) });
  const base = await control.app.listen({ host: '127.0.0.1', port: 0 });
  return { store, control, base };
}

// One token file and one identity for every instance of a test: enrollments live in Redis,
// shared like the rest of the state.
let creds: { tokens: TestTokens; dir: string } | undefined;
const a1 = makeIdentity('a1');
async function credentials(): Promise<{ tokens: TestTokens; dir: string }> {
  if (!creds) {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-redis-creds-'));
    creds = { dir, tokens: await writeTestTokens(dir) };
  }
  return creds;
}

/** Enrolls a1 (site-a, loopback) at an instance, as an operator would. */
async function enrollA1(base: string): Promise<void> {
  const res = await fetch(`${base}/v1/appliances`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${(await credentials()).tokens.admin}`,
    },
    body: JSON.stringify({ id: 'a1', site: 'site-a', publicKey: a1.publicKey, urlHosts: ['127.0.0.1'] }),
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`enrolling a1: ${res.status} ${await res.text()}`);
}

async function stopInstance(i: Instance): Promise<void> {
  await i.control.close();
  await i.store.close();
}

async function post(base: string, path: string, body: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': '10.0.1.1',
      authorization: `Bearer ${(await credentials()).tokens.admin}`,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(3000),
  });
  return { status: res.status, json: (await res.json()) as { error?: string } };
}

const catalog = {
  version: 1,
  generatedAt: '2026-12-01T00:00:00Z',
  seed: 'restart-empty',
  titles: [
    {
      id: 't1',
      name: 'One',
      durationSec: 4,
      streams: [
        {
          streamId: 't1-v',
          kind: 'video',
          bitrate: 1000,
          size: 10,
          sha256: 'd'.repeat(64),
          segmentDurationSec: 4,
          segments: [{ index: 0, start: 0, length: 10, durationSec: 4 }],
        },
      ],
    },
  ],
};

describe.skipIf(!hasRedisServer())('a lone control restarted on a Redis that came back empty', () => {
  let redis: RedisServer | undefined;
  let control: Instance | undefined;
  let appliance: BeatingAppliance | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
    control = await startInstance(redis.url);
    await enrollA1(control.base);
    appliance = new BeatingAppliance('a1', control.base, { files: ['t1-v'], newPrefixEvery: 3, key: a1.key });
    await appliance.listen();
  });

  afterAll(async () => {
    await appliance?.stop();
    if (control) await stopInstance(control);
    await redis?.stop();
    if (creds) await rm(creds.dir, { recursive: true, force: true });
  });

  it('asks the appliances for full reports and steers again once the catalog is posted', async () => {
    const app = appliance as BeatingAppliance;
    expect((await post((control as Instance).base, '/v1/catalog', catalog)).status).toBe(200);
    app.start();
    await eventually(
      async () => (await post((control as Instance).base, '/v1/steer', { titleId: 't1' })).status === 200,
      {
        what: 'a1 in steering',
        timeoutMs: 5000,
      },
    );
    await eventually(() => app.prefixes.length >= 2, {
      what: 'a1 learned a prefix by delta',
      timeoutMs: 3000,
    });

    await app.pause();
    await stopInstance(control as Instance);
    control = undefined;
    const port = (redis as RedisServer).port;
    await (redis as RedisServer).stop();
    redis = await startRedisServer({ port });
    control = await startInstance(redis.url);
    // The enrollment went with the data: a lone instance cannot know it, so the operator
    // enrolls a1 again (docs/control.md, "When Redis is away").
    await enrollA1(control.base);
    const resyncsBefore = app.log.resyncs;
    app.retarget(control.base);
    app.start();

    const model = control.control.model;
    await eventually(
      () => {
        expect(model.routes.count('a1')).toBe(app.prefixes.length);
        expect([...model.inventoryOf('a1')]).toEqual(['t1-v']);
      },
      { what: 'routes and inventory rebuilt from full reports', timeoutMs: 5000, intervalMs: 50 },
    );
    expect(app.log.resyncs).toBeGreaterThan(resyncsBefore);
    const unknown = await post(control.base, '/v1/steer', { titleId: 't1' });
    expect(unknown.json.error).toBe('FERRY_ERR_UNKNOWN_TITLE');

    expect((await post(control.base, '/v1/catalog', catalog)).status).toBe(200);
    await eventually(
      async () => (await post((control as Instance).base, '/v1/steer', { titleId: 't1' })).status === 200,
      {
        what: 'steering after the catalog is posted again',
        timeoutMs: 5000,
      },
    );
  });
});
