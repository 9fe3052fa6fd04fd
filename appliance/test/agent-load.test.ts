import { describe, expect, it } from 'vitest';
import { LoadSampler } from '../src/agent/load.js';

describe('LoadSampler', () => {
  it('reports bits per second over the time since the previous sample', async () => {
    let bytes = 0;
    let now = 1000;
    let conns = 3;
    const s = new LoadSampler({ bytesSent: () => bytes, connections: () => conns, now: () => now });
    expect(await s.sample()).toEqual({ bitsPerSecond: 0, connections: 3 });
    bytes += 125_000_000;
    now += 1000;
    expect(await s.sample()).toEqual({ bitsPerSecond: 1e9, connections: 3 });
    bytes += 125_000_000;
    now += 2000;
    conns = 0;
    expect(await s.sample()).toEqual({ bitsPerSecond: 5e8, connections: 0 });
  });

  it('takes an asynchronous counter (a prom-client Counter is read with await)', async () => {
    let bytes = 0;
    let now = 0;
    const s = new LoadSampler({ bytesSent: async () => bytes, connections: () => 1, now: () => now });
    await s.sample();
    bytes = 1000;
    now = 500;
    expect((await s.sample()).bitsPerSecond).toBe(16_000);
  });

  it('reports 0 rather than a negative or infinite rate', async () => {
    let bytes = 5000;
    const now = 10;
    const s = new LoadSampler({ bytesSent: () => bytes, connections: () => -1, now: () => now });
    await s.sample();
    bytes = 100;
    expect(await s.sample()).toEqual({ bitsPerSecond: 0, connections: 0 });
    bytes = 200;
    expect((await s.sample()).bitsPerSecond).toBe(0);
  });
});
