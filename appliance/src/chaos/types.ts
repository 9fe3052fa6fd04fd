// What the chaos executor reports: its mode, the refusals, why a fault ended, and the
// `chaos` object of the admin listener's /v1/status.
import type { ChaosParams, FaultKind, OrdersRefusal } from '@ferry/protocol';

export type ChaosMode = 'on' | 'off';
export type RefusalReason = OrdersRefusal | 'CHAOS_OFF' | 'UNSIGNED';
/** Why a fault stopped: its time ran out, control stopped listing it, the lease ran out. */
export type RevertCause = 'expired' | 'reverted' | 'lease' | 'stopping';

export interface Refusal {
  reason: RefusalReason;
  detail: string;
  atMs: number;
}

/** `chaos` in the admin listener's /v1/status. */
export interface ChaosStatus {
  mode: ChaosMode;
  verifyKeys: number;
  active: {
    experimentId: string;
    kind: FaultKind;
    params: ChaosParams;
    startedAtMs: number;
    endsAtMs: number;
    detail?: Record<string, unknown>;
  }[];
  lastRefusal?: Refusal;
  lastOrders?: { issuedAtMs: number; receivedAtMs: number; leaseMs: number; leaseEndsAtMs: number };
  /** faults that could not be applied here, most recent last */
  notApplied: { experimentId: string; kind: FaultKind; error: string }[];
  counters: { accepted: number; refused: number; applied: number; ended: Record<RevertCause, number> };
}
