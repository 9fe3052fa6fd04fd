// seq counts per boot of the appliance process: within a boot an older or equal seq is
// stale; a new boot is accepted at any seq (a restart), and its deltas are answered with a
// resync, since a new process must report in full.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCall, startTestControl, type TestControl } from './support/test-control.js';

let t: TestControl;
beforeAll(async () => {
  t = await startTestControl();
  await t.fleet.enroll('b1', 'lab');
});
afterAll(async () => {
  await t?.close();
});

function post(boot: string, seq: number, over: Record<string, unknown> = {}) {
  const path = '/v1/appliances/b1/heartbeat';
  const body = JSON.stringify({
    url: 'http://127.0.0.1:9',
    site: 'lab',
    version: '0.1.0',
    state: 'serving',
    boot,
    seq,
    load: { bitsPerSecond: seq, connections: 0 },
    capacity: { bitsPerSecond: 1e9 },
    disks: [],
    ...over,
  });
  return rawCall(t.base, 'POST', path, { body, headers: t.fleet.headers('POST', path, body) });
}

const load = () => t.control.model.getAppliance('b1')?.loadBps;
const delta = { kind: 'delta', since: 1, version: 2, added: [], removed: [] };

describe('boot and seq', () => {
  it('ignores an older or equal seq within a boot, and takes a new boot at any seq', async () => {
    expect(
      (await post('bootAAAAAAAAAAAA', 0, { inventory: { kind: 'full', version: 1, files: [] } })).status,
    ).toBe(200);
    await post('bootAAAAAAAAAAAA', 5);
    expect(load()).toBe(5);
    await post('bootAAAAAAAAAAAA', 5, { load: { bitsPerSecond: 99, connections: 0 } });
    await post('bootAAAAAAAAAAAA', 4);
    expect(load()).toBe(5);
    // The process restarted: seq 0 of a new boot is accepted, but a delta is not followed.
    const restarted = await post('bootBBBBBBBBBBBB', 0, { inventory: delta });
    expect(restarted.json.inventoryResync).toBe(true);
    expect(load()).toBe(0);
    // Within the new boot deltas apply again.
    await post('bootBBBBBBBBBBBB', 1, { inventory: { kind: 'full', version: 1, files: [] } });
    expect((await post('bootBBBBBBBBBBBB', 2, { inventory: delta })).json.inventoryResync).toBe(false);
    const text = await (await fetch(`${t.base}/metrics`)).text();
    expect(text).toMatch(/ferry_control_heartbeats_total\{result="stale"\} 2/);
  });

  it('refuses a boot id of the wrong shape and a seq past 2^31', async () => {
    expect((await post('short', 1)).json.error).toBe('FERRY_ERR_VALIDATION');
    expect((await post('bootBBBBBBBBBBBB', 2 ** 31 + 1)).json.error).toBe('FERRY_ERR_VALIDATION');
  });
});
