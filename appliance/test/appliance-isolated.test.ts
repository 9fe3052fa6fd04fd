// An appliance that has lost control for longer than its grace period is isolated: it
// keeps serving URLs control signed (valid, unexpired tokens) for their lifetime, refuses
// what nothing vouches for (--open requests: 503 FERRY_ERR_ISOLATED), answers /healthz 503,
// shows it in /v1/status and ferry_control_isolated, and clears on the first good
// heartbeat (within a couple of seconds of control's return, not after a 10 s backoff).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatKeyFile, generateKey, signToken, tokenQuery } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeControl } from './agent-fake-control.js';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get, json } from './support/http-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
  return Date.now() - started;
}

const isolated = async (fx: Fixture) =>
  (json(await get(`${fx.adminUrl}/v1/status`)).isolated as boolean) === true;

describe('isolated appliance with URL tokens', () => {
  const key = generateKey('k1');
  let control: FakeControl;
  let fx: Fixture;
  let keyDir: string;
  const url = (expiresAt: number) =>
    `${fx.url}/v1/c/f-small?${tokenQuery(signToken({ key, fileId: 'f-small', expiresAt, clientPrefix: '' }), '')}`;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    control = await new FakeControl().start();
    control.mode = 'fail';
    keyDir = mkdtempSync(join(tmpdir(), 'ferry-iso-keys-'));
    const keyFile = join(keyDir, 'keys');
    writeFileSync(keyFile, formatKeyFile([key]), { mode: 0o600 });
    fx = await startFixture({
      config: {
        open: false,
        tokenKeyFile: keyFile,
        control: control.url,
        controlGraceMs: 600,
        heartbeatMs: 100,
      },
    });
  });
  afterAll(async () => {
    await fx.stop();
    await control.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('serves signed URLs, refuses bad ones as usual, reports isolation, and clears fast', async () => {
    await until('isolation', () => isolated(fx), 10_000);
    // Let the backoff grow past what the old 10 s cap allowed to matter.
    await sleep(2500);

    const ok = await get(url(now() + 60), { Range: 'bytes=0-9' });
    expect(ok.status).toBe(206);
    expect(ok.body.equals(fx.files.get('f-small')!.subarray(0, 10))).toBe(true);
    const expired = await get(url(now() - 1));
    expect(expired.status).toBe(403);
    expect(json(expired).error).toBe('FERRY_ERR_TOKEN_EXPIRED');
    expect(json(await get(`${fx.url}/v1/c/f-small`)).error).toBe('FERRY_ERR_TOKEN_MISSING');

    const health = await get(`${fx.url}/healthz`);
    expect(health.status).toBe(503);
    expect(json(health).reason).toBe('isolated from control');
    const status = json(await get(`${fx.adminUrl}/v1/status`));
    expect(
      (status.control as { isolated: boolean; consecutiveFailures: number }).consecutiveFailures,
    ).toBeGreaterThan(0);
    expect((await get(`${fx.adminUrl}/metrics`)).body.toString()).toMatch(/^ferry_control_isolated 1$/m);

    control.mode = 'ok';
    const tookMs = await until('recovery', async () => !(await isolated(fx)), 5000);
    expect(tookMs).toBeLessThan(3000);
    expect((await get(`${fx.url}/healthz`)).status).toBe(200);
    expect((await get(`${fx.adminUrl}/metrics`)).body.toString()).toMatch(/^ferry_control_isolated 0$/m);
  });
});

describe('isolated appliance with --open', () => {
  let control: FakeControl;
  let fx: Fixture;
  beforeAll(async () => {
    control = await new FakeControl().start();
    control.mode = 'fail';
    fx = await startFixture({ config: { control: control.url, controlGraceMs: 600, heartbeatMs: 100 } });
  });
  afterAll(async () => {
    await fx.stop();
    await control.stop();
  });

  it('refuses unsigned requests while isolated and serves them again once control answers', async () => {
    await until('isolation', () => isolated(fx), 10_000);
    const refused = await get(`${fx.url}/v1/c/f-small`);
    expect(refused.status).toBe(503);
    expect(json(refused).error).toBe('FERRY_ERR_ISOLATED');
    expect(refused.headers['retry-after']).toBe('5');
    control.mode = 'ok';
    await until('recovery', async () => !(await isolated(fx)), 5000);
    expect((await get(`${fx.url}/v1/c/f-small`, { Range: 'bytes=0-9' })).status).toBe(206);
  });
});
