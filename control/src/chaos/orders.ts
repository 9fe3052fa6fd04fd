// What one appliance is told in a heartbeat reply: every fault of a running experiment on it
// whose time is not up, for the boot it had when the experiment started (a restarted process
// starts clean, so a killed appliance is not killed again). Pure; signing is the caller's.
import type { ChaosFault, ChaosOrders } from '@ferry/protocol';
import type { ExperimentRecord } from '../state/store.js';
import { faultOf } from './request.js';

/** The contract's limit on faults in one set of orders. */
const MAX_FAULTS = 16;

export interface OrdersInput {
  experiments: readonly ExperimentRecord[];
  applianceId: string;
  boot: string;
  nowMs: number;
  leaseMs: number;
}

export function faultsFor(input: OrdersInput): ChaosFault[] {
  const { applianceId, boot, nowMs } = input;
  return input.experiments
    .filter(
      (e) =>
        e.state === 'running' &&
        e.endsAtMs > nowMs &&
        e.appliances.includes(applianceId) &&
        e.boots?.[applianceId] === boot,
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, MAX_FAULTS)
    .map((e) => {
      const fault = faultOf(e.kind, e.params);
      return {
        experimentId: e.id,
        kind: fault.kind,
        params: fault.params,
        remainingMs: Math.min(e.endsAtMs - nowMs, e.durationSec * 1000),
      };
    });
}

/** The orders for one appliance now, or undefined when no fault is wanted (the reply says nothing). */
export function ordersFor(input: OrdersInput): ChaosOrders | undefined {
  const faults = faultsFor(input);
  if (faults.length === 0) return undefined;
  return {
    v: 1,
    applianceId: input.applianceId,
    boot: input.boot,
    issuedAtMs: input.nowMs,
    leaseMs: input.leaseMs,
    faults,
  };
}
