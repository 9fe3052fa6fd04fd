// Messages between the appliance's primary process and its workers (node:cluster IPC).
import type { ChaosParams } from '@ferry/protocol';
import type { LiveSettings } from '../reload.js';

/** What an admin write asks of every worker. */
export type AdminOrder = 'drain' | 'undrain';
export type OrderResult = 'serving' | 'draining' | 'exiting';

/**
 * What the primary holds and every worker must follow, sent whole on each change and to a
 * worker that (re)starts: a state rather than a stream of events, so a restarted worker
 * cannot miss one. Lists keep the order faults were applied in (the last one is in force).
 */
export interface SharedState {
  /** isolated from control: new sessions are refused (http/decide.ts) */
  isolated: boolean;
  latency: [experimentId: string, params: ChaosParams][];
  errors: [experimentId: string, params: ChaosParams][];
  throttle: [experimentId: string, params: ChaosParams][];
  /** disks a chaos disk fault has failed, with the reason the primary's store gave them */
  failedDisks: [diskId: string, reason: string][];
}

/**
 * One worker's traffic since its previous report (deltas, so a worker that restarts cannot
 * move a total backwards), plus what is true now (state, requests and bodies in flight).
 */
export interface WorkerReport {
  state: 'serving' | 'draining' | 'drained';
  requestsInFlight: number;
  bytesSent: number;
  responses: { total: number; failed: number };
  /** body bytes served per file since the last report (FileTraffic.take) */
  served: [fileId: string, bytes: number][];
  /** bodies in flight per file now; files with none are left out */
  open: [fileId: string, count: number][];
}

/** A registry's getMetricsAsJSON(), as AggregatorRegistry.aggregate takes it. */
export type WorkerMetrics = object[];

export type WorkerToPrimary =
  | { type: 'ferry:listening'; url: string; adminUrl: string }
  | { type: 'ferry:drain-request'; exit: boolean }
  | { type: 'ferry:order'; id: number; order: AdminOrder }
  | { type: 'ferry:applied'; round: number }
  | { type: 'ferry:metrics-request'; id: number }
  | { type: 'ferry:collected'; id: number; metrics?: WorkerMetrics; error?: string }
  | { type: 'ferry:report'; report: WorkerReport }
  | { type: 'ferry:unreadable'; fileId: string; reason: string }
  | { type: 'ferry:ask'; id: number; what: 'status' }
  | { type: 'ferry:ask'; id: number; what: 'turnup'; run: boolean }
  | { type: 'ferry:ask'; id: number; what: 'routes'; query: string };

export type PrimaryToWorker =
  | { type: 'ferry:drain'; exit: boolean }
  /** SIGHUP: keys, store index, access log, and the live settings of a re-read config */
  | { type: 'ferry:reload'; live?: LiveSettings }
  | { type: 'ferry:apply'; round: number; order: AdminOrder }
  | { type: 'ferry:order-done'; id: number; result: OrderResult }
  | { type: 'ferry:metrics'; id: number; text?: string; error?: string }
  | { type: 'ferry:collect'; id: number }
  | { type: 'ferry:shared'; state: SharedState }
  | { type: 'ferry:store-changed' }
  | { type: 'ferry:answer'; id: number; body?: unknown; error?: string };

export function isFerryMessage(m: unknown): m is { type: string } {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { type?: unknown }).type === 'string' &&
    (m as { type: string }).type.startsWith('ferry:')
  );
}
