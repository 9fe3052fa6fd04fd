import { describe, expect, it } from 'vitest';
import {
  defaultHealthConfig,
  evaluateHealth,
  type HealthConfig,
  type HealthState,
  type HealthStatus,
  initialHealthState,
  isServing,
  type Observation,
} from '../src/health/evaluate.js';

const MISMATCH =
  "holds no key that verifies control's URLs (has k1:AAAAAAAA…, control signs with k2:BBBBBBBB…)";
const cfg: HealthConfig = { ...defaultHealthConfig, maxConnections: 100 };

// Step shorthands: one observation a second, each with a fresh heartbeat unless stated.
type Step = Omit<Observation, 'nowMs'> & { at?: number };
const ok: Step = { probe: { ok: true, latencyMs: 3 } };
const fail: Step = { probe: { ok: false, error: 'ECONNREFUSED' } };
const beat: Step = {};
const stale: Step = { lastHeartbeatMs: -3000 };

function run(steps: Step[], start: HealthState = initialHealthState(0)) {
  let state = start;
  return steps.map((step, i) => {
    const nowMs = step.at ?? (i + 1) * 1000;
    const { at: _at, lastHeartbeatMs, ...rest } = step;
    const obs: Observation = {
      nowMs,
      lastHeartbeatMs: lastHeartbeatMs === undefined ? nowMs - 100 : nowMs + lastHeartbeatMs,
      ...rest,
    };
    const r = evaluateHealth(state, obs, cfg);
    state = r.state;
    return r;
  });
}

const healthy: HealthState = { status: 'healthy', consecutiveFailures: 0, consecutiveSuccesses: 5, since: 0 };
const unhealthy: HealthState = {
  status: 'unhealthy',
  consecutiveFailures: 4,
  consecutiveSuccesses: 0,
  since: 0,
};

interface Row {
  name: string;
  start?: HealthState;
  steps: Step[];
  statuses: HealthStatus[];
  lastReason?: RegExp;
}

const rows: Row[] = [
  {
    name: 'a new appliance needs M good probes before it serves',
    steps: [ok, ok, ok],
    statuses: ['unknown', 'unknown', 'healthy'],
    lastReason: /3 good probes in a row/,
  },
  {
    name: 'a heartbeat alone does not make an unknown appliance healthy',
    steps: [beat, beat],
    statuses: ['unknown', 'unknown'],
    lastReason: /0 of 3 good probes/,
  },
  {
    name: 'N failures in a row make a new appliance unhealthy',
    steps: [fail, fail],
    statuses: ['unknown', 'unhealthy'],
    lastReason: /2 consecutive failed probes \(last: ECONNREFUSED\)/,
  },
  {
    name: 'one failure is tolerated, N in a row is not',
    start: healthy,
    steps: [fail, ok, fail, fail],
    statuses: ['healthy', 'healthy', 'healthy', 'unhealthy'],
  },
  {
    name: 'flapping probes keep a healthy appliance in',
    start: healthy,
    steps: [fail, ok, fail, ok, fail, ok],
    statuses: ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy'],
  },
  {
    name: 'flapping probes keep an unhealthy appliance out',
    start: unhealthy,
    steps: [ok, ok, fail, ok, ok, fail, ok, ok, ok],
    statuses: [
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'healthy',
    ],
  },
  {
    name: 'recovery progress is in the reason',
    start: unhealthy,
    steps: [ok, ok],
    statuses: ['unhealthy', 'unhealthy'],
    lastReason: /recovering: 2 of 3 good probes/,
  },
  {
    name: 'a stale heartbeat makes a healthy appliance unhealthy at once, even with good probes',
    start: healthy,
    steps: [{ ...ok, lastHeartbeatMs: -2600 }],
    statuses: ['unhealthy'],
    lastReason: /heartbeat stale: 2600 ms since the last one \(limit 2500 ms\)/,
  },
  {
    name: 'a heartbeat exactly at the limit is not stale',
    start: healthy,
    steps: [{ ...ok, lastHeartbeatMs: -2500 }],
    statuses: ['healthy'],
  },
  {
    name: 'after staleness the good run starts from zero',
    start: healthy,
    steps: [ok, stale, ok, ok, ok],
    statuses: ['healthy', 'unhealthy', 'unhealthy', 'unhealthy', 'healthy'],
  },
  {
    name: 'good probes during a stale spell do not count',
    start: unhealthy,
    steps: [ok, ok, { ...ok, ...stale }, ok, ok],
    statuses: ['unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy'],
  },
  {
    name: 'over the load threshold is degraded, back under is healthy',
    start: healthy,
    steps: [
      { ...ok, loadBps: 950, capacityBps: 1000 },
      { ...beat, loadBps: 950, capacityBps: 1000 },
      ok,
      { ...beat, loadBps: 500, capacityBps: 1000 },
    ],
    statuses: ['degraded', 'degraded', 'degraded', 'healthy'],
  },
  {
    name: 'the load reason names the ratio',
    start: healthy,
    steps: [{ ...beat, loadBps: 950, capacityBps: 1000 }],
    statuses: ['degraded'],
    lastReason: /load 95% of capacity is above 90%/,
  },
  {
    name: 'too many connections is degraded',
    start: healthy,
    steps: [
      { ...beat, connections: 101 },
      { ...beat, connections: 100 },
    ],
    statuses: ['degraded', 'healthy'],
  },
  {
    name: 'recovering while overloaded comes back degraded',
    start: unhealthy,
    steps: [ok, ok, { ...ok, loadBps: 990, capacityBps: 1000 }],
    statuses: ['unhealthy', 'unhealthy', 'degraded'],
  },
  {
    name: 'a degraded appliance failing N probes is unhealthy',
    start: { ...healthy, status: 'degraded' },
    steps: [fail, fail],
    statuses: ['degraded', 'unhealthy'],
  },
  {
    name: 'reported draining wins over good probes and load',
    start: healthy,
    steps: [{ ...ok, reportedState: 'draining', loadBps: 990, capacityBps: 1000 }],
    statuses: ['draining'],
    lastReason: /appliance reports draining/,
  },
  {
    name: 'reported drained wins over failures and staleness',
    start: healthy,
    steps: [
      { ...fail, reportedState: 'drained' },
      { ...fail, ...stale, reportedState: 'drained' },
    ],
    statuses: ['drained', 'drained'],
  },
  {
    name: 'back from draining with good probes all along serves at once',
    start: healthy,
    steps: [
      { ...ok, reportedState: 'draining' },
      { ...ok, reportedState: 'drained' },
      { ...ok, reportedState: 'serving' },
    ],
    statuses: ['draining', 'drained', 'healthy'],
  },
  {
    name: 'back from draining after failed probes waits for M good ones',
    start: healthy,
    steps: [{ ...fail, reportedState: 'draining' }, { ...ok, reportedState: 'serving' }, ok, ok],
    statuses: ['draining', 'unknown', 'unknown', 'healthy'],
  },
  {
    name: 'a key mismatch makes a healthy appliance unhealthy at once, with the reason',
    start: healthy,
    steps: [ok, { ...ok, keyMismatch: MISMATCH }],
    statuses: ['healthy', 'unhealthy'],
    lastReason: /holds no key that verifies control's URLs \(has k1:/,
  },
  {
    name: 'a new appliance with the wrong keys never serves, however good its probes',
    steps: [ok, ok, ok, ok].map((s) => ({ ...s, keyMismatch: MISMATCH })),
    statuses: ['unhealthy', 'unhealthy', 'unhealthy', 'unhealthy'],
    lastReason: /control signs with k2:/,
  },
  {
    name: 'once it reports the right key it serves on the next observation (probes kept counting)',
    start: healthy,
    steps: [{ ...ok, keyMismatch: MISMATCH }, { ...ok, keyMismatch: MISMATCH }, ok, ok],
    statuses: ['unhealthy', 'unhealthy', 'healthy', 'healthy'],
  },
  {
    name: 'failed probes are named before a key mismatch, draining before both',
    start: healthy,
    steps: [
      { ...fail, keyMismatch: MISMATCH },
      { ...fail, keyMismatch: MISMATCH },
      { ...fail, keyMismatch: MISMATCH, reportedState: 'draining' },
    ],
    statuses: ['unhealthy', 'unhealthy', 'draining'],
  },
];

describe('evaluateHealth tables', () => {
  for (const row of rows) {
    it(row.name, () => {
      const results = run(row.steps, row.start);
      expect(results.map((r) => r.state.status)).toEqual(row.statuses);
      if (row.lastReason) expect(results.at(-1)!.reason).toMatch(row.lastReason);
    });
  }
});

describe('evaluateHealth bookkeeping', () => {
  it('reports changed and moves since only on a status change', () => {
    const [a, b, c] = run([ok, ok, ok], initialHealthState(0));
    expect([a!.changed, b!.changed, c!.changed]).toEqual([false, false, true]);
    expect([a!.state.since, b!.state.since, c!.state.since]).toEqual([0, 0, 3000]);
  });

  it('counts consecutive failures and successes, each resetting the other', () => {
    const results = run([ok, ok, fail, fail, fail, ok]);
    expect(results.map((r) => [r.state.consecutiveSuccesses, r.state.consecutiveFailures])).toEqual([
      [1, 0],
      [2, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
    ]);
  });

  it('leaves the counters alone when no probe was made', () => {
    const [r] = run([beat], healthy);
    expect(r!.state).toEqual(healthy);
    expect(r!.changed).toBe(false);
  });

  it('does not change its inputs', () => {
    const prev = { ...healthy };
    evaluateHealth(prev, { nowMs: 1, probe: { ok: false } }, cfg);
    expect(prev).toEqual(healthy);
  });

  it('has defaults from the design and a serving predicate', () => {
    expect(defaultHealthConfig).toEqual({
      failuresToUnhealthy: 2,
      successesToHealthy: 3,
      heartbeatStaleMs: 2500,
      loadDegradedRatio: 0.9,
    });
    expect(
      (['healthy', 'degraded', 'unhealthy', 'draining', 'drained', 'unknown'] as const).map(isServing),
    ).toEqual([true, true, false, false, false, false]);
  });
});
