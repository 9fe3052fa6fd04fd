// The appliance's chaos executor against a control played by a test server: signed orders
// start a fault, which ends when its time is up, when control stops listing it, when a reply
// lists nothing, or when no valid orders came for the lease; forged, unsigned, replayed and
// other-boot orders, and any orders to an appliance with chaos off, are refused and change
// nothing. The fault here is latency, read from /v1/status and the heartbeats.
import { eventually } from '@ferry/harness';
import { generateSigningKeyPair, loadPrivateKey } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config.js';
import { testConfig } from './support/appliance-fixture.js';
import { type ChaosFixture, chaosStatus, startChaosFixture, waitRunning } from './support/chaos-control.js';
import { get } from './support/http-client.js';

const running: ChaosFixture[] = [];
afterEach(async () => {
  for (const f of running.splice(0)) await f.stop();
});

async function start(opts: Parameters<typeof startChaosFixture>[0] = {}): Promise<ChaosFixture> {
  const f = await startChaosFixture(opts);
  running.push(f);
  return f;
}

const LATENCY = { experimentId: 'lat-1', kind: 'latency', params: { delayMs: 50 } } as const;

async function metrics(f: ChaosFixture): Promise<string> {
  return (await get(`${f.fx.adminUrl}/metrics`)).body.toString();
}

describe('chaos orders', () => {
  it('runs a signed fault, reports it, and reverts it when its time is up', async () => {
    const f = await start();
    const t0 = Date.now();
    f.control.want({ ...LATENCY, durationMs: 1500 });
    await waitRunning(f.fx, 'lat-1', true);
    const s = await chaosStatus(f.fx);
    expect(s.mode).toBe('on');
    expect(s.active).toEqual([
      expect.objectContaining({ experimentId: 'lat-1', kind: 'latency', params: { delayMs: 50 } }),
    ]);
    await eventually(() => {
      const hb = f.control.fake.heartbeats.at(-1)!.body;
      expect(hb.chaos).toEqual({ mode: 'on', active: [{ experimentId: 'lat-1', kind: 'latency' }] });
      expect(hb.responses).toEqual({ total: 0, failed: 0 });
    });
    expect(await metrics(f)).toContain('ferry_appliance_chaos_active{kind="latency"} 1');
    await waitRunning(f.fx, 'lat-1', false, 4000);
    // Ended by its own timer: about when control said, not at a lease or an abort.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    const after = await chaosStatus(f.fx);
    expect(after.counters.ended.expired).toBe(1);
    expect(after.counters.applied).toBe(1);
    const m = await metrics(f);
    expect(m).toContain('ferry_appliance_chaos_faults_total{kind="latency",event="applied"} 1');
    expect(m).toContain('ferry_appliance_chaos_faults_total{kind="latency",event="expired"} 1');
    expect(m).toContain('ferry_appliance_chaos_active{kind="latency"} 0');
    expect(m).toMatch(/ferry_appliance_chaos_orders_total\{result="accepted"\} \d+/);
  });

  it('does not start a fault again that ran its time while control still lists it', async () => {
    const f = await start();
    f.control.want({ ...LATENCY, durationMs: 800 });
    await waitRunning(f.fx, 'lat-1', true);
    await waitRunning(f.fx, 'lat-1', false, 3000);
    // Control's clock lags ours: it lists the experiment a while longer, with time left.
    f.control.want({ ...LATENCY, durationMs: 60_000 });
    const accepted = (await chaosStatus(f.fx)).counters.accepted;
    await eventually(async () => (await chaosStatus(f.fx)).counters.accepted >= accepted + 3);
    const s = await chaosStatus(f.fx);
    expect(s.active).toEqual([]);
    expect(s.counters.applied).toBe(1);
  });

  it('reverts at once a fault control no longer lists (abort), and all on a reply without orders', async () => {
    const f = await start();
    f.control.want({ ...LATENCY, durationMs: 60_000 });
    f.control.want({ experimentId: 'lat-2', kind: 'errors', params: { fraction: 0 }, durationMs: 60_000 });
    await waitRunning(f.fx, 'lat-1', true);
    await waitRunning(f.fx, 'lat-2', true);
    const dropped = Date.now();
    f.control.drop('lat-1');
    await waitRunning(f.fx, 'lat-1', false, 2000);
    // A couple of 100 ms heartbeats, not the lease (3 s) nor the fault's minute.
    expect(Date.now() - dropped).toBeLessThan(1500);
    expect((await chaosStatus(f.fx)).active.map((a) => a.experimentId)).toEqual(['lat-2']);
    f.control.noOrders = true;
    await waitRunning(f.fx, 'lat-2', false, 2000);
    expect((await chaosStatus(f.fx)).counters.ended.reverted).toBe(2);
  });

  it('reverts everything when no valid orders come for the lease (control gone silent)', async () => {
    const f = await start();
    f.control.leaseMs = 1500;
    f.control.want({ ...LATENCY, durationMs: 60_000 });
    await waitRunning(f.fx, 'lat-1', true);
    const silent = Date.now();
    f.control.fake.mode = 'silent';
    await waitRunning(f.fx, 'lat-1', false, 5000);
    const took = Date.now() - silent;
    // The lease runs from the last orders accepted, at most one heartbeat before the silence.
    expect(took).toBeGreaterThanOrEqual(1200);
    expect(took).toBeLessThan(3500);
    const s = await chaosStatus(f.fx);
    expect(s.counters.ended.lease).toBe(1);
    expect(await metrics(f)).toContain('ferry_appliance_chaos_faults_total{kind="latency",event="lease"} 1');
  });

  it('refuses forged, unsigned, replayed and other-boot orders, which change nothing', async () => {
    const f = await start();
    const c = f.control;
    c.want({ ...LATENCY, durationMs: 60_000 });
    const other = loadPrivateKey(generateSigningKeyPair().privateKeyPem);
    const refusedWith = async (reason: string) =>
      eventually(async () => {
        const s = await chaosStatus(f.fx);
        expect(s.lastRefusal?.reason).toBe(reason);
        expect(s.active).toEqual([]);
        expect(f.control.fake.heartbeats.at(-1)!.body.chaos?.lastRefusal).toMatch(new RegExp(`^${reason}: `));
      });

    c.override = (hb) => c.ordersFor(hb, {}, other);
    await refusedWith('BAD_SIGNATURE');
    c.override = (hb) => ({
      payload: JSON.stringify({ ...JSON.parse((c.ordersFor(hb) as { payload: string }).payload) }),
    });
    await refusedWith('UNSIGNED');
    c.override = (hb) => c.ordersFor(hb, { boot: 'AAAAAAAAAAAAAAAA' });
    await refusedWith('WRONG_BOOT');
    c.override = (hb) => c.ordersFor(hb, { applianceId: 'someone-else' });
    await refusedWith('WRONG_APPLIANCE');
    c.override = (hb) => c.ordersFor(hb, { issuedAtMs: Date.now() - 120_000 });
    await refusedWith('CLOCK_SKEW');
    expect((await chaosStatus(f.fx)).counters.applied).toBe(0);

    // Replay: the first copy is taken, every later copy of the same orders is refused and
    // changes nothing: the fault it started runs on, and a copy does not renew the lease.
    let copy: unknown;
    c.override = (hb) => {
      copy ??= c.ordersFor(hb);
      return copy;
    };
    await eventually(
      async () => {
        const s = await chaosStatus(f.fx);
        expect(s.lastRefusal?.reason).toBe('REPLAYED');
        expect(s.active.map((a) => a.experimentId)).toEqual(['lat-1']);
      },
      { timeoutMs: 2500 },
    );
    await waitRunning(f.fx, 'lat-1', false, 5000);
    expect((await chaosStatus(f.fx)).counters.ended.lease).toBe(1);
    const m = await metrics(f);
    for (const result of [
      'bad-signature',
      'unsigned',
      'wrong-boot',
      'wrong-appliance',
      'clock-skew',
      'replayed',
    ])
      expect(m).toMatch(new RegExp(`ferry_appliance_chaos_orders_total\\{result="${result}"\\} [1-9]`));
  });

  it('with --chaos off refuses signed orders and reports mode off', async () => {
    const f = await start({ chaos: 'off' });
    f.control.want({ ...LATENCY, durationMs: 60_000 });
    await eventually(async () => {
      const s = await chaosStatus(f.fx);
      expect(s.lastRefusal?.reason).toBe('CHAOS_OFF');
    });
    const s = await chaosStatus(f.fx);
    expect(s.mode).toBe('off');
    expect(s.active).toEqual([]);
    expect(s.counters.accepted).toBe(0);
    const hb = f.control.fake.heartbeats.at(-1)!.body;
    expect(hb.chaos).toMatchObject({ mode: 'off', active: [] });
    expect(await metrics(f)).toMatch(/ferry_appliance_chaos_orders_total\{result="chaos-off"\} [1-9]/);
  });
});

describe('chaos flags', () => {
  const key = generateSigningKeyPair().publicKey;
  const base = testConfig({ stores: ['/tmp/x'], control: 'http://127.0.0.1:1', identityKeyFile: '/tmp/id' });

  it('--chaos on needs --control and a verify key, and every key must parse', () => {
    expect(() => validateConfig({ ...base, chaos: { mode: 'on', verifyKeys: [key] } })).not.toThrow();
    expect(() =>
      validateConfig({ ...base, control: undefined, chaos: { mode: 'on', verifyKeys: [key] } }),
    ).toThrow(/--chaos on needs --control/);
    expect(() => validateConfig({ ...base, chaos: { mode: 'on', verifyKeys: [] } })).toThrow(
      /--chaos on needs --chaos-verify-key/,
    );
    expect(() => validateConfig({ ...base, chaos: { mode: 'on', verifyKeys: [key, 'not-a-key'] } })).toThrow(
      /--chaos-verify-key must be a base64url raw Ed25519 public key/,
    );
    expect(() => validateConfig({ ...base, chaos: { mode: 'off', verifyKeys: [] } })).not.toThrow();
  });
});
