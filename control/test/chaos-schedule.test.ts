// The chaos schedule: the policy file's checks, the draw of due times, and a real control
// whose chaos clock the test moves: an enabled scope asks for an experiment inside its hours
// through the same safety rules as an operator (a refusal is recorded and waits for the next
// due time), a scope outside its hours and a disabled one ask for nothing.
import { eventually } from '@ferry/harness';
import { seededRandom } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosPolicy, inHours, parseChaosPolicy } from '../src/chaos/policy.js';
import { ChaosSchedule } from '../src/chaos/schedule.js';
import { ControlModel } from '../src/model/model.js';
import { type ChaosFleet, SITE_OF_THREE, startChaosFleet } from './support/chaos-fleet.js';

const SCOPE = {
  site: 'site-a',
  enabled: true,
  meanIntervalSec: 600,
  minIntervalSec: 300,
  kinds: ['latency'],
  hours: '02-06',
  durationSec: 30,
  params: { latency: { delayMs: 100 } },
};

describe('chaos policy file', () => {
  it('refuses what would only fail later, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ scopes: [{ ...SCOPE, colour: 1 }] }, /\/scopes\/0\/colour is not a field of the policy/],
      [{ scopes: [{ ...SCOPE, minIntervalSec: 900 }] }, /scopes\/0 minIntervalSec exceeds meanIntervalSec/],
      [{ scopes: [{ ...SCOPE, hours: '05-05' }] }, /empty window/],
      [{ scopes: [{ ...SCOPE, hours: '5-6' }] }, /hours/],
      [{ scopes: [{ ...SCOPE, params: {} }] }, /params.latency: latency needs delayMs/],
      [
        { scopes: [{ ...SCOPE, params: { ...SCOPE.params, kill: {} } }] },
        /params.kill is not one of its kinds/,
      ],
      [{ scopes: [{ ...SCOPE, kinds: ['meteor'] }] }, /kinds/],
    ];
    for (const [policy, message] of bad) {
      expect(() => parseChaosPolicy(JSON.stringify(policy), 'p.json')).toThrow(message);
    }
    expect(() => parseChaosPolicy('{', 'p.json')).toThrow(/--chaos-policy p.json: not JSON/);
    expect(parseChaosPolicy(JSON.stringify({ seed: 7, scopes: [SCOPE] }), 'p.json').scopes).toHaveLength(1);
  });

  it('reads hours in UTC, end exclusive, across midnight', () => {
    const at = (h: number) => Date.UTC(2026, 0, 1, h, 30);
    expect([1, 2, 5, 6].map((h) => inHours('02-06', at(h)))).toEqual([false, true, true, false]);
    expect([21, 22, 3, 4].map((h) => inHours('22-04', at(h)))).toEqual([false, true, true, false]);
    expect(inHours('00-24', at(23))).toBe(true);
    expect(inHours(undefined, at(12))).toBe(true);
  });

  it('draws due times at least minIntervalSec apart, the same for the same seed', () => {
    const policy = parseChaosPolicy(JSON.stringify({ scopes: [{ ...SCOPE, hours: undefined }] }), 'p');
    const draw = () => {
      const s = new ChaosSchedule(policy, seededRandom('same'), 0);
      const times: number[] = [];
      for (let i = 0; i < 50; i++) {
        const at = s.nextDue()['site site-a'] as number;
        times.push(at);
        s.due(at, new ControlModel(), new Set());
      }
      return times;
    };
    const times = draw();
    expect(draw()).toEqual(times);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(300_000);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(400_000);
    expect(mean).toBeLessThan(900_000);
  });
});

describe('chaos schedule in control', () => {
  // 03:00 UTC: inside site-a's hours, outside the fleet scope's.
  const clock = { t: Date.UTC(2026, 5, 1, 3, 0, 0) };
  const policy: ChaosPolicy = parseChaosPolicy(
    JSON.stringify({
      seed: 'schedule-test',
      scopes: [
        SCOPE,
        {
          ...SCOPE,
          site: undefined,
          kinds: ['kill'],
          params: undefined,
          hours: '12-13',
          minIntervalSec: 60,
          meanIntervalSec: 120,
        },
        { ...SCOPE, enabled: false, minIntervalSec: 0, meanIntervalSec: 1 },
      ],
    }),
    'test',
  );
  let f: ChaosFleet;
  beforeAll(async () => {
    f = await startChaosFleet(
      SITE_OF_THREE,
      {},
      { chaosPolicy: policy, chaosTiming: { now: () => clock.t, tickMs: 20 } },
    );
  });
  afterAll(async () => {
    await f?.close();
  });

  const scheduled = async () => (await f.client().listChaos()).filter((e) => e.source === 'schedule');
  /** Moves the chaos clock to `atMs` and waits for two ticks to have seen it. */
  const moveTo = async (atMs: number) => {
    clock.t = atMs;
    await new Promise((r) => setTimeout(r, 100));
  };

  it('asks for an experiment when an enabled scope comes due inside its hours', async () => {
    const due = f.t.control.chaos.nextDue();
    expect(Object.keys(due).sort()).toEqual(['fleet #1', 'site site-a']);
    const siteDue = due['site site-a'] as number;
    expect(siteDue - clock.t).toBeGreaterThanOrEqual(300_000);
    // Nothing before it is due; the fleet scope, outside its hours, asks for nothing at all.
    await moveTo(siteDue - 1);
    expect(await scheduled()).toEqual([]);
    await moveTo(siteDue);
    const [exp] = await eventually(
      async () => {
        const list = await scheduled();
        expect(list).toHaveLength(1);
        return list;
      },
      { timeoutMs: 5000 },
    );
    expect(exp).toMatchObject({
      kind: 'latency',
      state: 'running',
      createdBy: 'schedule',
      params: { delayMs: 100 },
      reason: 'schedule (site site-a)',
      startAtMs: siteDue,
    });
    expect(['a1', 'a2', 'a3']).toContain(exp?.target.appliance);
    const { events } = await f.client().events({ experiment: exp?.id as string });
    expect(events[0]).toMatchObject({
      kind: 'chaos-planned',
      detail: { source: 'schedule', createdBy: 'schedule' },
    });
    // Its time runs on the same clock.
    await moveTo(siteDue + 31_000);
    await eventually(async () => expect((await f.client().getChaos(exp?.id as string)).state).toBe('ended'), {
      timeoutMs: 5000,
    });
  });

  it('submits through the safety rules: a refusal is recorded and not retried before the next due time', async () => {
    const busy = await f
      .client()
      .runChaos({ kind: 'latency', target: { appliance: 'a1' }, durationSec: 3600, params: { delayMs: 5 } });
    const siteDue = f.t.control.chaos.nextDue()['site site-a'] as number;
    await moveTo(siteDue);
    const refused = await eventually(
      async () => {
        const list = (await scheduled()).filter((e) => e.state === 'refused');
        expect(list).toHaveLength(1);
        return list[0];
      },
      { timeoutMs: 5000 },
    );
    // a1 is busy, so it picked a2 or a3: two of three would be out.
    expect(refused?.refusal?.rule).toBe('site-share');
    expect(f.t.control.chaos.nextDue()['site site-a']! - siteDue).toBeGreaterThanOrEqual(300_000);
    await moveTo(clock.t + 1000);
    expect((await scheduled()).filter((e) => e.state === 'refused')).toHaveLength(1);
    await f.client().abortChaos(busy.id);
  });
});
