// The abort conditions: while experiments run, control watches its steering decisions and
// the appliances' failed responses over a sliding window; crossing a threshold aborts every
// experiment at once, with the reason in the event log. Failures of an appliance under an
// `errors` experiment are that experiment's doing and do not count.
import { eventually } from '@ferry/harness';
import type { ChaosExperiment } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortWatch } from '../src/chaos/abort-watch.js';
import { DEFAULTS } from '../src/config.js';
import {
  type ApplianceSpec,
  type ChaosFleet,
  SITE_OF_THREE,
  startChaosFleet,
} from './support/chaos-fleet.js';
import { clientCall } from './support/test-control.js';
import { oneStreamCatalog } from './support/test-data.js';

const WINDOW_MS = 2000;
const SITE_E: ApplianceSpec[] = ['e1', 'e2', 'e3'].map((id) => ({
  id,
  site: 'site-e',
  prefixes: ['10.5.0.0/16'],
  files: ['t1-v'],
  chaos: 'on',
}));

let f: ChaosFleet;
beforeAll(async () => {
  f = await startChaosFleet(
    [...SITE_OF_THREE, ...SITE_E],
    {
      // Uncovered clients must find nowhere to go (`none`), not the last resort.
      lastResort: false,
      chaos: {
        ...DEFAULTS.chaos,
        abort: { ...DEFAULTS.chaos.abort, windowMs: WINDOW_MS, minDecisions: 5, minResponses: 20 },
      },
    },
    { chaosTiming: { tickMs: 25 } },
  );
  await f.client(f.t.tokens.admin).postCatalog(JSON.stringify(oneStreamCatalog('abort')));
});
afterAll(async () => {
  await f?.close();
});

async function runTwo(first: ChaosExperiment['kind'] = 'latency'): Promise<ChaosExperiment[]> {
  const client = f.client();
  const params = first === 'errors' ? { fraction: 1, mode: '503' as const } : { delayMs: 50 };
  return [
    await client.runChaos({ kind: first, target: { appliance: 'a2' }, durationSec: 60, params }),
    await client.runChaos({
      kind: 'latency',
      target: { appliance: 'e1' },
      durationSec: 60,
      params: { delayMs: 50 },
    }),
  ];
}

async function allAborted(exps: ChaosExperiment[]): Promise<ChaosExperiment[]> {
  return eventually(
    async () => {
      const now = await Promise.all(exps.map((e) => f.client().getChaos(e.id)));
      for (const e of now) expect(e.state).toBe('aborted');
      return now;
    },
    { timeoutMs: 5000 },
  );
}

describe('chaos abort conditions', () => {
  it('steering that finds nowhere to send clients aborts every experiment', async () => {
    const exps = await runTwo();
    // The client 10.0.1.1: no appliance hears its network, no fallback site, no last resort: `none`.
    for (let i = 0; i < 5; i++) {
      const r = await clientCall(f.t.base, 'POST', '/v1/steer', { titleId: 't1' });
      expect(r.status).toBe(503);
    }
    const aborted = await allAborted(exps);
    for (const e of aborted)
      expect(e.abortReason).toMatch(/5 of 5 steering decisions in 2 s were none or health-miss/);
    const { events } = await f.client().events({ experiment: exps[0]!.id });
    expect(events.at(-1)).toMatchObject({
      kind: 'chaos-aborted',
      from: 'running',
      to: 'aborted',
      detail: { by: 'steering-misses', misses: 5, decisions: 5, threshold: 0.5 },
    });
    expect(await f.client().metrics()).toMatch(
      /ferry_control_chaos_aborts_total\{reason="steering-misses"\} 1/,
    );
  });

  it('failed responses abort every experiment, except those of an appliance under an errors fault', async () => {
    // Let the steering misses of the test before leave the window.
    await new Promise((r) => setTimeout(r, WINDOW_MS + 200));
    const exps = await runTwo('errors');
    const [a2, e2] = [f.a('a2'), f.a('e2')];
    for (const a of [a2, e2]) {
      a.responses = { total: 0, failed: 0 };
      await a.beat();
    }
    // a2 fails everything, as its errors experiment asks: not news.
    a2.responses = { total: 1000, failed: 1000 };
    await a2.beat();
    await new Promise((r) => setTimeout(r, 200));
    for (const e of exps) expect((await f.client().getChaos(e.id)).state).toBe('running');
    // e2 fails 80 of 100 on its own.
    e2.responses = { total: 100, failed: 80 };
    await e2.beat();
    const aborted = await allAborted(exps);
    for (const e of aborted)
      expect(e.abortReason).toMatch(/80 of 100 responses in 2 s failed \(abort at 0\.5\)/);
    const { events } = await f.client().events({ experiment: exps[1]!.id });
    expect(events.at(-1)).toMatchObject({
      kind: 'chaos-aborted',
      detail: { by: 'error-rate', failed: 80, responses: 100 },
    });
  });

  it('slides its window: old samples leave it, and too few decide nothing', () => {
    let now = 1_000_000;
    const w = new AbortWatch({ ...DEFAULTS.chaos.abort, windowMs: 10_000, minDecisions: 4 }, () => now);
    for (let i = 0; i < 3; i++) w.noteDecision('none');
    expect(w.verdict()).toBeUndefined();
    w.noteDecision('local-hit');
    expect(w.verdict()?.reason).toBe('steering-misses');
    now += 11_000;
    expect(w.window()).toEqual({ decisions: 0, misses: 0, responses: 0, failed: 0 });
    // A restarted appliance's counts are all new; a baseline of one boot is not.
    w.noteResponses('x', 'boot-one-0000000', { total: 50, failed: 50 }, false);
    w.noteResponses('x', 'boot-two-0000000', { total: 200, failed: 150 }, false);
    expect(w.window()).toMatchObject({ responses: 200, failed: 150 });
    expect(w.verdict()?.reason).toBe('error-rate');
  });
});
