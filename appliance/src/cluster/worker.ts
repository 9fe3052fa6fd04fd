// The worker side of a multi-process appliance: serves viewers and the admin listener,
// asks the primary for what it holds (cluster-wide metrics, BGP routes, the agent's, chaos
// executor's and filler's status), forwards drains and undrains, follows the primary's
// orders and shared state (worker-sync.ts) and reports its traffic every REPORT_MS.
import type { TurnupReport } from '@ferry/protocol';
import type { RoutesAnswer } from '../http/admin-handler.js';
import type { LiveSettings } from '../reload.js';
import {
  type AdminOrder,
  isFerryMessage,
  type OrderResult,
  type PrimaryToWorker,
  type WorkerToPrimary,
} from './messages.js';
import { type ServingParts, WorkerSync } from './worker-sync.js';

const ASK_TIMEOUT_MS = 5000;
/**
 * How often a worker reports its traffic. The evictor reads bodies in flight from these
 * reports, so this bounds how stale its view is; a report is a few hundred bytes.
 */
export const REPORT_MS = 250;

export interface WorkerLink {
  index: number;
  count: number;
  /** Aggregated metrics of every worker and the primary, from the primary. */
  metricsText(): Promise<string>;
  /** Resolves once every worker is draining (with exit: once the primary has it). */
  requestDrain(exit: boolean): Promise<void>;
  /** Resolves once every worker serves again, or 'exiting' when the primary is stopping. */
  requestUndrain(): Promise<'serving' | 'exiting'>;
  /** isolated from control, as the primary's agent last said */
  isolated(): boolean;
  /** the primary's parts of /v1/status (BGP, control, chaos, fill, the workers) */
  primaryStatus(): Promise<Record<string, unknown>>;
  /** GET /v1/turnup, answered by the primary, which runs the checks */
  turnup(run: boolean): Promise<TurnupReport>;
  /** GET /v1/routes, answered by the primary's RIB */
  routes(query: URLSearchParams): Promise<RoutesAnswer>;
  announceListening(url: string, adminUrl: string): void;
  stop(): void;
}

export interface PrimaryOrders {
  /** the primary's drain-and-exit (SIGTERM, drain?exit=true) */
  drainExit(): void;
  apply(order: AdminOrder): void;
  /** the primary's SIGHUP: keys, store index, access log, and the live settings it read */
  reload(live?: LiveSettings): void;
}

export function workerIdentity(): { index: number; count: number } | null {
  const index = Number(process.env.FERRY_WORKER_INDEX);
  const count = Number(process.env.FERRY_WORKER_COUNT);
  return Number.isInteger(index) && Number.isInteger(count) && count > 0 ? { index, count } : null;
}

export function linkToPrimary(parts: ServingParts, orders: PrimaryOrders): WorkerLink {
  const id = workerIdentity();
  if (!id || !process.send) throw new Error('not an appliance worker process');
  const send = (m: WorkerToPrimary) => process.send?.(m);
  const sync = new WorkerSync(parts, id.count, (fileId, reason) =>
    send({ type: 'ferry:unreadable', fileId, reason }),
  );
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const orderWaiters = new Map<number, (r: OrderResult) => void>();
  let nextId = 0;
  const order = (o: AdminOrder): Promise<OrderResult> =>
    new Promise((resolve) => {
      const oid = nextId++;
      orderWaiters.set(oid, resolve);
      send({ type: 'ferry:order', id: oid, order: o });
    });
  /** Sends a request built with a fresh id; resolves with the primary's answer. */
  const ask = <T>(build: (id: number) => WorkerToPrimary, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const mid = nextId++;
      const timer = setTimeout(() => {
        pending.delete(mid);
        reject(new Error(`the primary did not answer (${what})`));
      }, ASK_TIMEOUT_MS);
      pending.set(mid, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      send(build(mid));
    });
  const answer = (mid: number, body: unknown, error: string | undefined) => {
    const p = pending.get(mid);
    pending.delete(mid);
    if (error === undefined) p?.resolve(body);
    else p?.reject(new Error(error));
  };

  process.on('message', (raw: unknown) => {
    if (!isFerryMessage(raw)) return;
    const m = raw as PrimaryToWorker;
    if (m.type === 'ferry:drain') {
      if (m.exit) orders.drainExit();
      else orders.apply('drain');
    } else if (m.type === 'ferry:reload') {
      orders.reload(m.live);
    } else if (m.type === 'ferry:apply') {
      orders.apply(m.order);
      if (m.round >= 0) send({ type: 'ferry:applied', round: m.round });
    } else if (m.type === 'ferry:order-done') {
      orderWaiters.get(m.id)?.(m.result);
      orderWaiters.delete(m.id);
    } else if (m.type === 'ferry:metrics') {
      answer(m.id, m.text, m.text === undefined ? (m.error ?? 'metrics aggregation failed') : undefined);
    } else if (m.type === 'ferry:answer') {
      answer(m.id, m.body, m.error);
    } else if (m.type === 'ferry:collect') {
      parts.metrics.registry.getMetricsAsJSON().then(
        (metrics) => send({ type: 'ferry:collected', id: m.id, metrics }),
        (err: Error) => send({ type: 'ferry:collected', id: m.id, error: err.message }),
      );
    } else if (m.type === 'ferry:shared') {
      sync.apply(m.state);
    } else if (m.type === 'ferry:store-changed') {
      sync.refreshStore();
    }
  });

  let reporting = false;
  const timer = setInterval(() => {
    if (reporting) return;
    reporting = true;
    sync
      .report()
      .then((report) => send({ type: 'ferry:report', report }))
      .catch((err: unknown) => parts.logger.warn({ err }, 'could not report traffic to the primary'))
      .finally(() => {
        reporting = false;
      });
  }, REPORT_MS);
  timer.unref();

  return {
    ...id,
    metricsText: () => ask<string>((mid) => ({ type: 'ferry:metrics-request', id: mid }), 'metrics'),
    requestDrain: async (exit) => {
      if (exit) send({ type: 'ferry:drain-request', exit });
      else await order('drain');
    },
    requestUndrain: async () => ((await order('undrain')) === 'exiting' ? 'exiting' : 'serving'),
    isolated: () => sync.isolated,
    primaryStatus: () =>
      ask<Record<string, unknown>>((mid) => ({ type: 'ferry:ask', id: mid, what: 'status' }), 'status'),
    turnup: (run) =>
      ask<TurnupReport>((mid) => ({ type: 'ferry:ask', id: mid, what: 'turnup', run }), 'turnup'),
    routes: (query) =>
      ask<RoutesAnswer>(
        (mid) => ({ type: 'ferry:ask', id: mid, what: 'routes', query: query.toString() }),
        'routes',
      ),
    announceListening: (url, adminUrl) => send({ type: 'ferry:listening', url, adminUrl }),
    stop: () => clearInterval(timer),
  };
}
