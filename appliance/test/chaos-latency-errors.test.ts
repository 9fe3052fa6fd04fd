// The latency and errors faults, measured from a client of a real appliance: the delay added
// before the first byte of content responses (not /healthz), a share of requests answered
// 503, connections reset half-way through the body, and each fault's revert.
import { eventually } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosFixture,
  chaosStatus,
  median,
  startChaosFixture,
  timedGet,
  waitRunning,
} from './support/chaos-control.js';
import { download, get, json } from './support/http-client.js';

const running: ChaosFixture[] = [];
afterEach(async () => {
  for (const f of running.splice(0)) await f.stop();
});

async function start(files: Record<string, number> = { clip: 64 * 1024 }): Promise<ChaosFixture> {
  const f = await startChaosFixture({ files });
  running.push(f);
  return f;
}

async function medianMs(url: string, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await timedGet(url);
    expect(r.status).toBe(200);
    times.push(r.ms);
  }
  return median(times);
}

async function heartbeatResponses(f: ChaosFixture, expected: { total: number; failed: number }) {
  await eventually(() => {
    expect(f.control.fake.heartbeats.at(-1)!.body.responses).toEqual(expected);
  });
}

describe('latency fault', () => {
  it('adds the delay before the first byte of content responses, not of /healthz, until reverted', async () => {
    const f = await start();
    const clip = `${f.fx.url}/v1/c/clip`;
    const base = await medianMs(clip, 5);
    f.control.want({ experimentId: 'lat', kind: 'latency', params: { delayMs: 300 }, durationMs: 60_000 });
    await waitRunning(f.fx, 'lat', true);
    const slowed = await medianMs(clip, 5);
    const added = slowed - base;
    expect(added).toBeGreaterThanOrEqual(300 * 0.8);
    expect(added).toBeLessThanOrEqual(300 * 1.2);
    // Probes keep telling the truth about liveness: /healthz is not delayed.
    const health = await timedGet(`${f.fx.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(150);
    const m = (await get(`${f.fx.adminUrl}/metrics`)).body.toString();
    expect(m).toMatch(/ferry_appliance_chaos_injected_total\{kind="latency"\} [5-9]/);

    f.control.drop('lat');
    await waitRunning(f.fx, 'lat', false);
    expect(await medianMs(clip, 5)).toBeLessThan(base + 100);
  });

  it('spreads the delay over delayMs ± jitterMs', async () => {
    const f = await start();
    const clip = `${f.fx.url}/v1/c/clip`;
    f.control.want({
      experimentId: 'jit',
      kind: 'latency',
      params: { delayMs: 200, jitterMs: 150 },
      durationMs: 60_000,
    });
    await waitRunning(f.fx, 'jit', true);
    const times: number[] = [];
    for (let i = 0; i < 12; i++) times.push((await timedGet(clip)).ms);
    // Uniform over 50..350 ms: twelve draws all inside, and not all in one narrow band.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(45);
    expect(Math.max(...times)).toBeLessThan(350 + 150);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(60);
  });
});

describe('errors fault', () => {
  it('answers the configured share of content requests 503 FERRY_ERR_CHAOS_INJECTED', async () => {
    const f = await start({ clip: 4096 });
    f.control.want({ experimentId: 'err', kind: 'errors', params: { fraction: 0.5 }, durationMs: 60_000 });
    await waitRunning(f.fx, 'err', true);
    const N = 200;
    const statuses: number[] = [];
    for (let i = 0; i < N; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => get(`${f.fx.url}/v1/c/clip`)));
      for (const r of batch) {
        statuses.push(r.status);
        if (r.status === 503) expect(json(r).error).toBe('FERRY_ERR_CHAOS_INJECTED');
        else expect(r.body.length).toBe(4096);
      }
    }
    const failed = statuses.filter((s) => s === 503).length;
    expect(statuses.filter((s) => s === 200).length).toBe(N - failed);
    // Binomial(200, 0.5): mean 100, sd 7.1; four sd either side.
    expect(failed).toBeGreaterThanOrEqual(100 - 29);
    expect(failed).toBeLessThanOrEqual(100 + 29);
    await heartbeatResponses(f, { total: N, failed });
    const m = (await get(`${f.fx.adminUrl}/metrics`)).body.toString();
    expect(m).toContain(`ferry_appliance_chaos_injected_total{kind="errors"} ${failed}`);

    f.control.drop('err');
    await waitRunning(f.fx, 'err', false);
    for (let i = 0; i < 20; i++) expect((await get(`${f.fx.url}/v1/c/clip`)).status).toBe(200);
  });

  it('in reset mode sends the headers and half the body, then resets the connection', async () => {
    const size = 1024 * 1024;
    const f = await start({ clip: size });
    f.control.want({
      experimentId: 'rst',
      kind: 'errors',
      params: { fraction: 1, mode: 'reset' },
      durationMs: 60_000,
    });
    await waitRunning(f.fx, 'rst', true);
    for (const path of ['/v1/c/clip', '/v1/c/clip/range/0-599999']) {
      const r = await download(`${f.fx.url}${path}`);
      expect([200, 206]).toContain(r.status);
      expect(r.complete).toBe(false);
      // Half is written; what the kernel still held at the RST is lost, as in a real reset.
      expect(r.bytes).toBeGreaterThanOrEqual(Math.floor(r.length / 4));
      expect(r.bytes).toBeLessThanOrEqual(Math.floor(r.length / 2));
    }
    await heartbeatResponses(f, { total: 2, failed: 2 });
    const m = (await get(`${f.fx.adminUrl}/metrics`)).body.toString();
    expect(m).toContain('ferry_appliance_chaos_injected_total{kind="reset"} 2');
    expect((await chaosStatus(f.fx)).active[0]).toMatchObject({ params: { fraction: 1, mode: 'reset' } });

    f.control.drop('rst');
    await waitRunning(f.fx, 'rst', false);
    const ok = await download(`${f.fx.url}/v1/c/clip`);
    expect(ok).toMatchObject({ status: 200, length: size, bytes: size, complete: true });
  });
});
