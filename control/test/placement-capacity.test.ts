import { describe, expect, it } from 'vitest';
import { fillCapacity, servableDiskBytes } from '../src/placement/capacity.js';

describe('fill capacity', () => {
  it('counts the size of servable disks, or what a disk holds when its size is not reported', () => {
    expect(
      servableDiskBytes([
        { state: 'ok', bytes: 10, sizeBytes: 1000 },
        { state: 'failed', bytes: 5, sizeBytes: 500 },
        { state: 'ok', bytes: 40 },
      ]),
    ).toBe(1040);
  });

  it('keeps the free share, and an operator override wins', () => {
    expect(fillCapacity(1000, { keepFree: 0.1 })).toBe(900);
    expect(fillCapacity(1000, { keepFree: 0.1, overrideBytes: 50 })).toBe(45);
    expect(fillCapacity(0, { keepFree: 0.1 })).toBe(0);
  });

  it('follows --fill-capacity for every filling appliance', async () => {
    const { fillingSites } = await import('../src/fill/fleet.js');
    const { ControlModel } = await import('../src/model/model.js');
    const model = new ControlModel();
    model.setAppliance({ ...record('a1'), diskBytes: 1000 } as never);
    const config = { keepFree: 0.1, capacityBytes: 500, lostAfterMs: 60_000 } as never;
    const sites = fillingSites(model, config, new Set(['a1']), Date.now());
    expect(sites.get('lab')?.[0]).toEqual({ id: 'a1', capacityBytes: 450 });
  });
});

function record(id: string) {
  return {
    id,
    site: 'lab',
    url: 'http://127.0.0.1:1',
    version: '0.1.0',
    state: 'serving',
    capacityBps: 1e10,
    loadBps: 0,
    connections: 0,
    lastHeartbeatMs: Date.now(),
    registeredMs: Date.now(),
    fills: true,
  };
}
