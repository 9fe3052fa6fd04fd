import { eventually, type RedisServer, startRedisServer } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BeatingAppliance } from './support/beating-appliance.js';
import { type RedisControl, RedisControls } from './support/redis-controls.js';
import { oneStreamCatalog } from './support/test-data.js';

type Instance = RedisControl;

const controls = new RedisControls();
const a1 = controls.a1;
const startInstance = (url: string) => controls.start(url);
const enrollA1 = (base: string) => controls.enrollA1(base);
const post = (base: string, path: string, body: unknown) => controls.call(base, 'POST', path, body);

const catalog = oneStreamCatalog('restart-empty');

describe('a lone control restarted on a Redis that came back empty', () => {
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
    if (control) await control.close();
    await redis?.stop();
    await controls.remove();
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
    await (control as Instance).close();
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
