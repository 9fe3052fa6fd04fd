// The blast-radius rules against a real control: each refusal names its rule (409 with the
// rule's code), the refused experiment is recorded and listed, and the rules are checked
// again when a planned experiment starts.
//   site-a  a1 a2 a3, one prefix, each holds t1-v          (a third of the site each)
//   site-b  b1 chaos off, b2 never reports chaos
//   site-d  d1 on 10.4.0.0/24 holds t1-v and rare, d2 on the covering 10.4.0.0/16 holds
//           t1-v, d3 a big appliance that hears nothing (so d1 or d2 is a small share)
//   ix      x1, a fallback site, hears nothing, holds nothing (at first)
import { eventually } from '@ferry/harness';
import { type ChaosExperimentRequest, ControlClientError } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosFleet, SITE_OF_THREE, startChaosFleet } from './support/chaos-fleet.js';

let f: ChaosFleet;
beforeAll(async () => {
  f = await startChaosFleet(
    [
      ...SITE_OF_THREE,
      { id: 'b1', site: 'site-b', prefixes: ['10.2.0.0/16'], files: ['t1-v'], chaos: 'off' },
      { id: 'b2', site: 'site-b', prefixes: ['10.2.0.0/16'], files: ['t1-v'] },
      {
        id: 'd1',
        site: 'site-d',
        prefixes: ['10.4.0.0/24'],
        files: ['t1-v', 'rare'],
        capacityBps: 1e8,
        chaos: 'on',
      },
      { id: 'd2', site: 'site-d', prefixes: ['10.4.0.0/16'], files: ['t1-v'], capacityBps: 1e8, chaos: 'on' },
      { id: 'd3', site: 'site-d', capacityBps: 1e9, chaos: 'on' },
      { id: 'x1', site: 'ix', files: [], chaos: 'on' },
    ],
    { fallbackSites: ['ix'] },
    { chaosTiming: { tickMs: 25 } },
  );
});
afterAll(async () => {
  await f?.close();
});

const kill = (appliance: string, more: Partial<ChaosExperimentRequest> = {}): ChaosExperimentRequest => ({
  kind: 'kill',
  target: { appliance },
  durationSec: 60,
  ...more,
});

/** The refusal of `req`: its code and message. */
async function refusal(req: ChaosExperimentRequest): Promise<{ code: string; message: string }> {
  const err = await f
    .client()
    .runChaos(req)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(err instanceof ControlClientError)) throw new Error(`expected a refusal of ${JSON.stringify(req)}`);
  expect(err.status).toBe(409);
  return { code: err.errorCode ?? '', message: err.message };
}

async function healthOf(id: string, health: string): Promise<void> {
  await eventually(() => expect(f.t.control.model.getAppliance(id)?.health).toBe(health), {
    timeoutMs: 5000,
  });
}

describe('chaos safety rules', () => {
  it('chaos-off: a target with chaos off, or that never reported a chaos mode', async () => {
    expect(await refusal(kill('b1'))).toMatchObject({
      code: 'FERRY_ERR_CHAOS_RULE_CHAOS_OFF',
      message: expect.stringMatching(/b1 runs with --chaos off/),
    });
    expect((await refusal(kill('b2'))).message).toMatch(/b2 never reported a chaos mode/);
  });

  it('unknown-target: no such appliance or site', async () => {
    expect((await refusal(kill('ghost'))).code).toBe('FERRY_ERR_CHAOS_RULE_UNKNOWN_TARGET');
    const site = await refusal({ kind: 'site-outage', target: { site: 'nowhere' }, durationSec: 5 });
    expect(site).toMatchObject({
      code: 'FERRY_ERR_CHAOS_RULE_UNKNOWN_TARGET',
      message: expect.stringMatching(/nowhere/),
    });
  });

  it('overlap and site-share: one appliance of three at a time', async () => {
    const client = f.client();
    const first = await client.runChaos({
      kind: 'latency',
      target: { appliance: 'a1' },
      durationSec: 60,
      params: { delayMs: 50 },
    });
    expect(first.state).toBe('running');
    expect(await refusal(kill('a1'))).toMatchObject({
      code: 'FERRY_ERR_CHAOS_RULE_OVERLAP',
      message: expect.stringMatching(new RegExp(`a1 is already under experiment ${first.id}`)),
    });
    expect(await refusal(kill('a2'))).toMatchObject({
      code: 'FERRY_ERR_CHAOS_RULE_SITE_SHARE',
      message: expect.stringMatching(/site site-a: 2 of 3 appliances \(66\.7 % of its capacity\)/),
    });
    // Later, when the first is over, a2 may go.
    const later = await client.runChaos(kill('a2', { startAtMs: first.endsAtMs + 1000 }));
    expect(later.state).toBe('planned');
    expect((await client.abortAllChaos()).map((e) => e.id).sort()).toEqual([first.id, later.id].sort());
  });

  it('coverage: covering prefixes and fallback sites stand in; checked again when a planned experiment starts', async () => {
    const client = f.client();
    // d1 heard a more specific prefix inside d2's: it cannot stand in for d2's clients.
    expect(await refusal(kill('d2'))).toMatchObject({
      code: 'FERRY_ERR_CHAOS_RULE_COVERAGE',
      message: expect.stringMatching(/clients in 10\.4\.0\.0\/16 \(heard by d2\).* holds t1-v/),
    });
    // d2's covering prefix stands in for d1, but d2 lacks rare.
    expect((await refusal(kill('d1'))).message).toMatch(
      /clients in 10\.4\.0\.0\/24 \(heard by d1\).* holds rare/,
    );

    // The fallback site comes to hold rare: now d1 may go, planned a moment ahead.
    const x1 = f.a('x1');
    x1.spec.files = ['t1-v', 'rare'];
    x1.restart();
    await x1.beat();
    const planned = await client.runChaos(kill('d1', { startAtMs: Date.now() + 500 }));
    expect(planned.state).toBe('planned');
    // Before it starts the fallback appliance drains: at its start the rule refuses it.
    x1.state = 'draining';
    await x1.beat();
    await healthOf('x1', 'draining');
    await eventually(async () => expect((await client.getChaos(planned.id)).state).toBe('refused'), {
      timeoutMs: 5000,
    });
    expect((await client.getChaos(planned.id)).refusal).toMatchObject({ rule: 'coverage' });
    const { events } = await client.events({ experiment: planned.id });
    expect(events.map((e) => [e.kind, e.from, e.to])).toEqual([
      ['chaos-planned', undefined, 'planned'],
      ['chaos-refused', 'planned', 'refused'],
    ]);
    expect(events[1]?.detail).toMatchObject({ rule: 'coverage', kind: 'kill' });
    x1.state = 'serving';
    await x1.beat();
    await healthOf('x1', 'healthy');
  });

  it('site-outage: exempt from site-share, not from coverage', async () => {
    const client = f.client();
    const outage = await client.runChaos({
      kind: 'site-outage',
      target: { site: 'site-d' },
      durationSec: 30,
      params: { as: 'latency', delayMs: 100 },
    });
    expect(outage).toMatchObject({ state: 'running', appliances: ['d1', 'd2', 'd3'] });
    for (const id of ['d1', 'd3']) {
      const a = f.a(id);
      await a.beat();
      expect(a.lastOrders?.ok && a.lastOrders.orders.faults).toEqual([
        {
          experimentId: outage.id,
          kind: 'latency',
          params: { delayMs: 100 },
          remainingMs: expect.any(Number),
        },
      ]);
    }
    // x1 alone serves the clients no prefix covers.
    expect(await refusal({ kind: 'site-outage', target: { site: 'ix' }, durationSec: 30 })).toMatchObject({
      code: 'FERRY_ERR_CHAOS_RULE_COVERAGE',
      message: expect.stringMatching(/x1 serves clients no prefix covers \(fallback site ix\)/),
    });
    await client.abortAllChaos();
  });

  it('records every refusal, lists it, counts it by rule, and logs it with its parameters', async () => {
    const client = f.client();
    const refused = await client.listChaos('refused');
    const rules = refused.map((e) => e.refusal?.rule).sort();
    expect(rules).toEqual([
      'chaos-off',
      'chaos-off',
      'coverage',
      'coverage',
      'coverage',
      'coverage',
      'overlap',
      'site-share',
      'unknown-target',
      'unknown-target',
    ]);
    expect(refused.every((e) => e.endedAtMs !== undefined)).toBe(true);
    const metrics = await client.metrics();
    expect(metrics).toMatch(/ferry_control_chaos_refusals_total\{rule="coverage"\} 4/);
    // Seven kills refused when asked for, one when it was due to start; two site outages.
    expect(metrics).toMatch(/ferry_control_chaos_experiments_total\{kind="kill",outcome="refused"\} 8/);
    expect(metrics).toMatch(
      /ferry_control_chaos_experiments_total\{kind="site-outage",outcome="refused"\} 2/,
    );
    const ghost = refused.find((e) => e.target.appliance === 'ghost');
    const { events } = await client.events({ experiment: ghost?.id as string });
    expect(events).toMatchObject([
      {
        kind: 'chaos-refused',
        to: 'refused',
        reason: 'unknown-target: no appliance ghost is known',
        detail: { rule: 'unknown-target', kind: 'kill', target: { appliance: 'ghost' }, durationSec: 60 },
      },
    ]);
  });
});
