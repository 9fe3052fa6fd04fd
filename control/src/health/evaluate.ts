// Per-appliance health as a pure state machine (Traffic Monitor style: the evaluation returns
// the state and the reason, I/O lives in the prober and the heartbeat handler). DESIGN flow 4:
// missed heartbeats or failed probes take an appliance out of steering within seconds;
// coming back needs several good probes in a row, so an appliance that answers every other
// probe stays out instead of flapping in and out of every steering answer.

import { type ApplianceState, type HealthStatus, isServing } from '@ferry/protocol';

export { type HealthStatus, isServing } from '@ferry/protocol';

export interface HealthState {
  status: HealthStatus;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** When `status` last changed (ms). */
  since: number;
}

export interface Observation {
  nowMs: number;
  /** The result of a `/healthz` probe made for this evaluation, if any. */
  probe?: { ok: boolean; error?: string; latencyMs?: number };
  /** When the last heartbeat arrived; absent when none has been received. */
  lastHeartbeatMs?: number;
  /** What the appliance said of itself in its last heartbeat. */
  reportedState?: ApplianceState;
  loadBps?: number;
  capacityBps?: number;
  connections?: number;
  /**
   * Why the keys the appliance reports cannot verify the URLs control signs
   * (keys/choose-signing-key.ts `keyMismatch`); absent when they can, or when either side
   * runs without keys.
   */
  keyMismatch?: string;
}

export interface HealthConfig {
  /** Consecutive failed probes that make an appliance unhealthy (N). */
  failuresToUnhealthy: number;
  /** Consecutive good probes needed to serve again (M). */
  successesToHealthy: number;
  /** A heartbeat older than this makes the appliance unhealthy at once. */
  heartbeatStaleMs: number;
  /** Load / capacity above this makes a serving appliance degraded. */
  loadDegradedRatio: number;
  /** Open connections above this make a serving appliance degraded. */
  maxConnections?: number;
}

export interface HealthEvaluation {
  state: HealthState;
  changed: boolean;
  reason: string;
}

// Heartbeats come every second; 2.5 s is two missed beats plus scheduling slack. Probes every
// second: 2 failures out within ~2 s, 3 good ones back in ~3 s.
export const defaultHealthConfig: Readonly<HealthConfig> = Object.freeze({
  failuresToUnhealthy: 2,
  successesToHealthy: 3,
  heartbeatStaleMs: 2500,
  loadDegradedRatio: 0.9,
});

const OK = 'probes, heartbeat and load ok';

export function initialHealthState(nowMs: number): HealthState {
  return { status: 'unknown', consecutiveFailures: 0, consecutiveSuccesses: 0, since: nowMs };
}

export function evaluateHealth(prev: HealthState, obs: Observation, cfg: HealthConfig): HealthEvaluation {
  let failures = prev.consecutiveFailures;
  let successes = prev.consecutiveSuccesses;
  if (obs.probe) {
    failures = obs.probe.ok ? 0 : failures + 1;
    successes = obs.probe.ok ? successes + 1 : 0;
  }
  const staleFor = obs.lastHeartbeatMs === undefined ? 0 : obs.nowMs - obs.lastHeartbeatMs;
  const stale = staleFor > cfg.heartbeatStaleMs;
  // A silent appliance breaks its run of good probes: it must earn its way back from zero.
  if (stale) successes = 0;

  const { status, reason } = decide(prev.status, obs, cfg, { failures, successes, stale, staleFor });
  const changed = status !== prev.status;
  return {
    state: {
      status,
      consecutiveFailures: failures,
      consecutiveSuccesses: successes,
      since: changed ? obs.nowMs : prev.since,
    },
    changed,
    reason,
  };
}

interface Counters {
  failures: number;
  successes: number;
  stale: boolean;
  staleFor: number;
}

function decide(
  prev: HealthStatus,
  obs: Observation,
  cfg: HealthConfig,
  c: Counters,
): { status: HealthStatus; reason: string } {
  // The appliance's own word on draining beats every measurement: it is leaving on purpose.
  if (obs.reportedState === 'draining' || obs.reportedState === 'drained') {
    return { status: obs.reportedState, reason: `appliance reports ${obs.reportedState}` };
  }
  if (c.stale) {
    return {
      status: 'unhealthy',
      reason: `heartbeat stale: ${c.staleFor} ms since the last one (limit ${cfg.heartbeatStaleMs} ms)`,
    };
  }
  if (c.failures >= cfg.failuresToUnhealthy) {
    return { status: 'unhealthy', reason: `${c.failures} consecutive failed probes${probeDetail(obs)}` };
  }
  // Every URL control would hand out for it answers 403; the good probes keep counting, so
  // it serves again on the first observation after it reports the right key.
  if (obs.keyMismatch !== undefined) return { status: 'unhealthy', reason: obs.keyMismatch };
  if (!isServing(prev)) {
    if (c.successes < cfg.successesToHealthy) {
      return waiting(prev, obs, cfg, c);
    }
    const load = loadStatus(obs, cfg, 'healthy');
    return {
      status: load.status,
      reason: `${c.successes} good probes in a row${load.status === 'degraded' ? `; ${load.reason}` : ''}`,
    };
  }
  const load = loadStatus(obs, cfg, prev);
  if (c.failures > 0) {
    const failing = `${c.failures} of ${cfg.failuresToUnhealthy} failed probes before unhealthy${probeDetail(obs)}`;
    return { status: load.status, reason: load.reason === OK ? failing : `${load.reason}; ${failing}` };
  }
  return load;
}

/** Not yet serving and not enough good probes: say how far along recovery is. */
function waiting(
  prev: HealthStatus,
  obs: Observation,
  cfg: HealthConfig,
  c: Counters,
): { status: HealthStatus; reason: string } {
  const progress = `${c.successes} of ${cfg.successesToHealthy} good probes`;
  if (prev === 'unhealthy') return { status: prev, reason: `recovering: ${progress}` };
  if (prev === 'unknown') {
    const detail = c.failures > 0 ? `; ${c.failures} failed${probeDetail(obs)}` : '';
    return { status: prev, reason: `not yet checked enough: ${progress}${detail}` };
  }
  // Back from draining with too short a good run: unknown until the probes say otherwise.
  return { status: 'unknown', reason: `no longer ${prev}; waiting for ${progress}` };
}

/** Healthy or degraded from the reported load; without load figures the previous one stands. */
function loadStatus(
  obs: Observation,
  cfg: HealthConfig,
  fallback: HealthStatus,
): { status: HealthStatus; reason: string } {
  const hasLoad = obs.loadBps !== undefined && obs.capacityBps !== undefined && obs.capacityBps > 0;
  const hasConns = obs.connections !== undefined && cfg.maxConnections !== undefined;
  if (!hasLoad && !hasConns) {
    return { status: fallback, reason: fallback === 'degraded' ? 'still degraded (no new load report)' : OK };
  }
  if (hasLoad) {
    const ratio = obs.loadBps! / obs.capacityBps!;
    if (ratio > cfg.loadDegradedRatio) {
      return {
        status: 'degraded',
        reason: `load ${pct(ratio)} of capacity is above ${pct(cfg.loadDegradedRatio)}`,
      };
    }
  }
  if (hasConns && obs.connections! > cfg.maxConnections!) {
    return { status: 'degraded', reason: `${obs.connections} connections, above ${cfg.maxConnections}` };
  }
  return { status: 'healthy', reason: OK };
}

function probeDetail(obs: Observation): string {
  return obs.probe && !obs.probe.ok && obs.probe.error ? ` (last: ${obs.probe.error})` : '';
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
