// /v1/chaos/experiments against a real control with a chaos key and three heartbeating
// appliances: who may call, what is refused as malformed, and an experiment's whole life as
// the appliances see it: signed orders in heartbeat replies, scoped to a boot, gone once the
// experiment is aborted or over, and every step in the event log.
import { eventually } from '@ferry/harness';
import type { ChaosExperiment } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosFleet, SITE_OF_THREE, startChaosFleet } from './support/chaos-fleet.js';
import { rawCall, startTestControl } from './support/test-control.js';

let f: ChaosFleet;
beforeAll(async () => {
  f = await startChaosFleet(SITE_OF_THREE, {}, { chaosTiming: { tickMs: 25 } });
});
afterAll(async () => {
  await f?.close();
});

const LATENCY = { kind: 'latency', target: { appliance: 'a1' }, durationSec: 60, params: { delayMs: 200 } };

async function post(body: unknown, token?: string) {
  return rawCall(f.t.base, 'POST', '/v1/chaos/experiments', {
    body: JSON.stringify(body),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

async function eventKinds(id: string): Promise<string[]> {
  const { events } = await f.client().events({ experiment: id });
  return events.map((e) => e.kind);
}

describe('chaos API', () => {
  it('needs an operator token to run, a viewer token to read', async () => {
    const none = await post(LATENCY);
    expect(none.status).toBe(401);
    expect(none.json.error).toBe('FERRY_ERR_AUTH_REQUIRED');
    const viewer = await post(LATENCY, f.t.tokens.viewer);
    expect(viewer.status).toBe(403);
    expect(viewer.json.error).toBe('FERRY_ERR_AUTH_FORBIDDEN');
    expect(await f.client(f.t.tokens.viewer).listChaos()).toEqual([]);
    const del = await rawCall(f.t.base, 'DELETE', '/v1/chaos/experiments', {
      headers: { authorization: `Bearer ${f.t.tokens.viewer}` },
    });
    expect(del.status).toBe(403);
  });

  it('refuses malformed requests with a named code and records nothing', async () => {
    const op = f.t.tokens.operator;
    const cases: [unknown, string, RegExp][] = [
      [{ ...LATENCY, kind: 'meteor' }, 'FERRY_ERR_VALIDATION', /kind/],
      [{ ...LATENCY, durationSec: 0 }, 'FERRY_ERR_VALIDATION', /durationSec/],
      [{ ...LATENCY, colour: 'red' }, 'FERRY_ERR_VALIDATION', /additional/],
      [{ ...LATENCY, params: {} }, 'FERRY_ERR_CHAOS_BAD_PARAMS', /latency needs delayMs/],
      [{ ...LATENCY, kind: 'kill' }, 'FERRY_ERR_CHAOS_BAD_PARAMS', /kill does not read delayMs/],
      [{ ...LATENCY, params: { delayMs: 10, as: 'kill' } }, 'FERRY_ERR_CHAOS_BAD_PARAMS', /site-outage only/],
      [
        { kind: 'kill', target: { site: 'site-a' }, durationSec: 5 },
        'FERRY_ERR_CHAOS_BAD_TARGET',
        /target.appliance/,
      ],
      [
        { kind: 'site-outage', target: { appliance: 'a1' }, durationSec: 5 },
        'FERRY_ERR_CHAOS_BAD_TARGET',
        /target.site/,
      ],
      [{ ...LATENCY, startAtMs: Date.now() + 2 * 86_400_000 }, 'FERRY_ERR_CHAOS_BAD_START', /day ahead/],
    ];
    for (const [body, code, message] of cases) {
      const r = await post(body, op);
      expect({ status: r.status, error: r.json.error }).toEqual({ status: 400, error: code });
      expect(r.json.message).toMatch(message);
    }
    expect(await f.client().listChaos()).toEqual([]);
    const missing = await rawCall(f.t.base, 'GET', '/v1/chaos/experiments/nope', {
      headers: { authorization: `Bearer ${op}` },
    });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe('FERRY_ERR_CHAOS_UNKNOWN_EXPERIMENT');
  });

  it('orders a fault in the signed heartbeat reply, notes when it is applied and reverted, and stops it on abort', async () => {
    const client = f.client();
    const exp = await client.runChaos({ ...LATENCY, kind: 'latency', reason: 'latency drill' });
    expect(exp).toMatchObject({
      state: 'running',
      appliances: ['a1'],
      createdBy: 'test-operator',
      source: 'operator',
    });
    const a1 = f.a('a1');
    await a1.beat();
    expect(a1.ordered()).toEqual([exp.id]);
    const orders = a1.lastOrders?.ok ? a1.lastOrders.orders : undefined;
    expect(orders).toMatchObject({ applianceId: 'a1', boot: a1.boot, leaseMs: 10_000 });
    expect(orders?.faults[0]).toMatchObject({ kind: 'latency', params: { delayMs: 200 } });
    expect(orders?.faults[0]?.remainingMs).toBeGreaterThan(50_000);
    expect(orders?.faults[0]?.remainingMs).toBeLessThanOrEqual(60_000);
    expect((await f.a('a2').beat()).chaos).toBeUndefined();

    a1.active = [{ experimentId: exp.id, kind: 'latency' }];
    await a1.beat();
    expect((await client.getChaos(exp.id)).applied?.['a1']?.sinceMs).toBeGreaterThan(0);

    const aborted = await client.abortChaos(exp.id);
    expect(aborted).toMatchObject({ state: 'aborted', abortReason: expect.stringMatching(/test-operator/) });
    expect((await a1.beat()).chaos).toBeUndefined();
    a1.active = [];
    await a1.beat();
    expect((await client.getChaos(exp.id)).applied?.['a1']?.revertedAtMs).toBeGreaterThan(0);
    // Aborting again answers the experiment as it is.
    expect((await client.abortChaos(exp.id)).state).toBe('aborted');

    expect(await eventKinds(exp.id)).toEqual([
      'chaos-planned',
      'chaos-started',
      'chaos-applied',
      'chaos-aborted',
      'chaos-reverted',
    ]);
    const { events } = await client.events({ experiment: exp.id });
    expect(events[0]).toMatchObject({
      applianceId: 'a1',
      reason: 'latency drill',
      detail: { kind: 'latency', params: { delayMs: 200 }, durationSec: 60, createdBy: 'test-operator' },
    });
    expect(events[3]).toMatchObject({ from: 'running', to: 'aborted', detail: { by: 'operator' } });
    const metrics = await client.metrics();
    expect(metrics).toMatch(/ferry_control_chaos_experiments_total\{kind="latency",outcome="accepted"\} 1/);
    expect(metrics).toMatch(/ferry_control_chaos_experiments_total\{kind="latency",outcome="aborted"\} 1/);
    expect(metrics).toMatch(/ferry_control_chaos_aborts_total\{reason="operator"\} 1/);
  });

  it('starts a planned experiment on time and ends it when its time is up', async () => {
    const client = f.client();
    const exp = await client.runChaos({
      kind: 'throttle',
      target: { appliance: 'a3' },
      durationSec: 1,
      startAtMs: Date.now() + 400,
      params: { bytesPerSec: 65_536 },
    });
    expect(exp.state).toBe('planned');
    const a3 = f.a('a3');
    await a3.beat();
    expect(a3.ordered()).toEqual([]);
    await eventually(async () => expect((await client.getChaos(exp.id)).state).toBe('running'), {
      timeoutMs: 5000,
    });
    await a3.beat();
    expect(a3.ordered()).toEqual([exp.id]);
    await eventually(async () => expect((await client.getChaos(exp.id)).state).toBe('ended'), {
      timeoutMs: 5000,
    });
    expect((await a3.beat()).chaos).toBeUndefined();
    expect((await client.listChaos('ended')).map((e: ChaosExperiment) => e.id)).toContain(exp.id);
    expect(await eventKinds(exp.id)).toEqual(['chaos-planned', 'chaos-started', 'chaos-ended']);
  });

  it('scopes orders to the boot the experiment started with: a restarted appliance is not killed again', async () => {
    const client = f.client();
    const exp = await client.runChaos({ kind: 'kill', target: { appliance: 'a2' }, durationSec: 60 });
    const a2 = f.a('a2');
    await a2.beat();
    expect(a2.ordered()).toEqual([exp.id]);
    expect((await client.getChaos(exp.id)).applied?.['a2']?.sinceMs).toBeGreaterThan(0);
    a2.restart();
    expect((await a2.beat()).chaos).toBeUndefined();
    expect((await client.getChaos(exp.id)).applied?.['a2']?.revertedAtMs).toBeGreaterThan(0);
    const { events } = await client.events({ experiment: exp.id });
    expect(events.filter((e) => e.kind !== 'chaos-planned' && e.kind !== 'chaos-started')).toMatchObject([
      { kind: 'chaos-applied', detail: { fault: 'kill', evidence: 'ordered' } },
      { kind: 'chaos-reverted', detail: { evidence: 'restarted' } },
    ]);
    const all = await client.abortAllChaos();
    expect(all.map((e) => e.id)).toEqual([exp.id]);
    expect(await client.abortAllChaos()).toEqual([]);
  });

  it('counts an isolate as applied when ordered (it silences the reports), reverted when heartbeats return without it', async () => {
    const client = f.client();
    const exp = await client.runChaos({ kind: 'isolate', target: { appliance: 'a3' }, durationSec: 60 });
    const a3 = f.a('a3');
    await a3.beat();
    expect(a3.ordered()).toEqual([exp.id]);
    expect((await client.getChaos(exp.id)).applied?.['a3']).toEqual({ sinceMs: expect.any(Number) });
    await a3.beat();
    expect((await client.getChaos(exp.id)).applied?.['a3']?.revertedAtMs).toBeGreaterThan(0);
    const { events } = await client.events({ experiment: exp.id, appliance: 'a3' });
    expect(events.map((e) => [e.kind, e.detail?.['evidence']])).toEqual([
      ['chaos-planned', undefined],
      ['chaos-started', undefined],
      ['chaos-applied', 'ordered'],
      ['chaos-reverted', 'reported'],
    ]);
    await client.abortChaos(exp.id);
  });

  it('answers 503 naming --chaos-key when control has no chaos key', async () => {
    const t = await startTestControl();
    try {
      for (const [method, path] of [
        ['GET', '/v1/chaos/experiments'],
        ['POST', '/v1/chaos/experiments'],
        ['DELETE', '/v1/chaos/experiments'],
      ] as const) {
        const r = await rawCall(t.base, method, path, {
          ...(method === 'POST' ? { body: JSON.stringify(LATENCY) } : {}),
          headers: { authorization: `Bearer ${t.tokens.admin}` },
        });
        expect({ status: r.status, error: r.json.error }).toEqual({
          status: 503,
          error: 'FERRY_ERR_CHAOS_NOT_CONFIGURED',
        });
        expect(r.json.message).toMatch(/--chaos-key/);
      }
    } finally {
      await t.close();
    }
  });
});
