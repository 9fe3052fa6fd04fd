// An appliance that cannot reach control stops taking new sessions after its grace period
// (503 FERRY_ERR_ISOLATED, /healthz 503) and says why in /v1/status.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get, json } from './support/http-client.js';

/** A port on 127.0.0.1 with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('appliance without control', () => {
  let fx: Fixture;
  beforeAll(async () => {
    const port = await closedPort();
    fx = await startFixture({
      config: { control: `http://127.0.0.1:${port}`, controlGraceMs: 600, heartbeatMs: 100 },
    });
  });
  afterAll(() => fx.stop());

  it('serves during the grace period, then refuses new sessions with a reason', async () => {
    const started = Date.now();
    const first = await get(`${fx.url}/v1/c/f-small`, { Range: 'bytes=0-9' });
    // The fixture is quick to start; if this machine was slower than the grace, the next
    // assertions still hold.
    if (Date.now() - started < 400) expect(first.status).toBe(206);
    let status = 0;
    for (let i = 0; i < 60 && status !== 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await get(`${fx.url}/v1/c/f-small`)).status;
    }
    const refused = await get(`${fx.url}/v1/c/f-small`);
    expect(refused.status).toBe(503);
    expect(json(refused).error).toBe('FERRY_ERR_ISOLATED');
    expect((await get(`${fx.url}/healthz`)).status).toBe(503);
    const control = json(await get(`${fx.url}/v1/status`)).control as {
      isolated: boolean;
      consecutiveFailures: number;
    };
    expect(control.isolated).toBe(true);
    expect(control.consecutiveFailures).toBeGreaterThan(0);
  });
});
