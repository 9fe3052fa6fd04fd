// The isolate fault: the agent sends no heartbeats for the fault's time (control sees them
// stop), then resumes by itself. No orders arrive meanwhile, so the lease may end other
// faults: it does, and the isolation itself still runs to its own end.
import { eventually } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChaosFixture, startChaosFixture, waitRunning } from './support/chaos-control.js';
import { get, json } from './support/http-client.js';

const running: ChaosFixture[] = [];
afterEach(async () => {
  for (const f of running.splice(0)) await f.stop();
});

/** The longest silence between two heartbeats control received after index `from`. */
function longestGap(f: ChaosFixture, from: number): number {
  const at = f.control.fake.heartbeats.slice(from).map((h) => h.at);
  let gap = 0;
  for (let i = 1; i < at.length; i++) gap = Math.max(gap, at[i]! - at[i - 1]!);
  return gap;
}

describe('isolate fault', () => {
  it('stops the heartbeats for the fault’s time, then they resume; the lease ends the other faults', async () => {
    const f = await startChaosFixture();
    running.push(f);
    f.control.leaseMs = 1000;
    const from = f.control.fake.heartbeats.length;
    f.control.want({ experimentId: 'lat', kind: 'latency', params: { delayMs: 10 }, durationMs: 60_000 });
    f.control.want({ experimentId: 'iso', kind: 'isolate', durationMs: 2500 });
    await waitRunning(f.fx, 'iso', true);
    expect(json(await get(`${f.fx.adminUrl}/v1/status`)).control).toMatchObject({
      heartbeatsSuspended: true,
    });
    // No heartbeats reach control: the lease (1 s) runs out and reverts the latency fault.
    await waitRunning(f.fx, 'lat', false, 3000);
    f.control.drop('lat');
    const before = f.control.fake.heartbeats.length;
    await eventually(() => f.control.fake.heartbeats.length > before + 3, { timeoutMs: 6000 });
    const gap = longestGap(f, from);
    // The fault's 2.5 s, less the time its orders took to arrive, plus a heartbeat interval.
    expect(gap).toBeGreaterThanOrEqual(2200);
    expect(gap).toBeLessThan(3200);
    expect(json(await get(`${f.fx.adminUrl}/v1/status`)).control).toMatchObject({
      heartbeatsSuspended: false,
    });
    const last = f.control.fake.heartbeats.at(-1)!.body;
    expect(last.chaos?.active).toEqual([]);
    const m = (await get(`${f.fx.adminUrl}/metrics`)).body.toString();
    expect(m).toContain('ferry_appliance_chaos_faults_total{kind="latency",event="lease"} 1');
    expect(m).toContain('ferry_appliance_chaos_faults_total{kind="isolate",event="expired"} 1');
  });
});
