// The worker side of a multi-process appliance: asks the primary for cluster-wide
// metrics, drains and undrains, and follows the primary's orders.
import { AggregatorRegistry, type Registry } from 'prom-client';
import {
  type AdminOrder,
  isFerryMessage,
  type OrderResult,
  type PrimaryToWorker,
  type WorkerToPrimary,
} from './messages.js';

const METRICS_TIMEOUT_MS = 5000;

export interface WorkerLink {
  index: number;
  count: number;
  /** Aggregated metrics of every worker, from the primary. */
  metricsText(): Promise<string>;
  /** Resolves once every worker is draining (with exit: once the primary has it). */
  requestDrain(exit: boolean): Promise<void>;
  /** Resolves once every worker serves again, or 'exiting' when the primary is stopping. */
  requestUndrain(): Promise<'serving' | 'exiting'>;
  announceListening(url: string, adminUrl: string): void;
}

export interface PrimaryOrders {
  /** the primary's drain-and-exit (SIGTERM, drain?exit=true) */
  drainExit(): void;
  apply(order: AdminOrder): void;
  /** the primary's SIGHUP: read the token key file again */
  reloadKeys(): void;
}

export function workerIdentity(): { index: number; count: number } | null {
  const index = Number(process.env.FERRY_WORKER_INDEX);
  const count = Number(process.env.FERRY_WORKER_COUNT);
  return Number.isInteger(index) && Number.isInteger(count) && count > 0 ? { index, count } : null;
}

export function linkToPrimary(registry: Registry, orders: PrimaryOrders): WorkerLink {
  const id = workerIdentity();
  if (!id || !process.send) throw new Error('not an appliance worker process');
  // Constructing an AggregatorRegistry installs prom-client's worker-side listener that
  // answers the primary's collection requests from our registry.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const send = (m: WorkerToPrimary) => process.send?.(m);
  const pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  const orderWaiters = new Map<number, (r: OrderResult) => void>();
  let nextId = 0;
  const order = (o: AdminOrder): Promise<OrderResult> =>
    new Promise((resolve) => {
      const id = nextId++;
      orderWaiters.set(id, resolve);
      send({ type: 'ferry:order', id, order: o });
    });
  process.on('message', (raw: unknown) => {
    if (!isFerryMessage(raw)) return;
    const m = raw as PrimaryToWorker;
    if (m.type === 'ferry:drain') {
      if (m.exit) orders.drainExit();
      else orders.apply('drain');
    } else if (m.type === 'ferry:reload-keys') {
      orders.reloadKeys();
    } else if (m.type === 'ferry:apply') {
      orders.apply(m.order);
      if (m.round >= 0) send({ type: 'ferry:applied', round: m.round });
    } else if (m.type === 'ferry:order-done') {
      orderWaiters.get(m.id)?.(m.result);
      orderWaiters.delete(m.id);
    } else if (m.type === 'ferry:metrics') {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.text !== undefined) p?.resolve(m.text);
      else p?.reject(new Error(m.error ?? 'metrics aggregation failed'));
    }
  });
  return {
    ...id,
    metricsText: () =>
      new Promise<string>((resolve, reject) => {
        const mid = nextId++;
        const timer = setTimeout(() => {
          pending.delete(mid);
          reject(new Error('metrics aggregation timed out'));
        }, METRICS_TIMEOUT_MS);
        pending.set(mid, {
          resolve: (t) => {
            clearTimeout(timer);
            resolve(t);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        send({ type: 'ferry:metrics-request', id: mid });
      }),
    requestDrain: async (exit) => {
      if (exit) send({ type: 'ferry:drain-request', exit });
      else await order('drain');
    },
    requestUndrain: async () => ((await order('undrain')) === 'exiting' ? 'exiting' : 'serving'),
    announceListening: (url, adminUrl) => send({ type: 'ferry:listening', url, adminUrl }),
  };
}
