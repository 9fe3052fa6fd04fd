// The worker side of a multi-process appliance: asks the primary for cluster-wide
// metrics and drains, and follows the primary's drain orders.
import { AggregatorRegistry, type Registry } from 'prom-client';
import { isFerryMessage, type PrimaryToWorker, type WorkerToPrimary } from './messages.js';

const METRICS_TIMEOUT_MS = 5000;

export interface WorkerLink {
  index: number;
  count: number;
  /** Aggregated metrics of every worker, from the primary. */
  metricsText(): Promise<string>;
  requestDrain(exit: boolean): void;
  announceListening(url: string): void;
}

export function workerIdentity(): { index: number; count: number } | null {
  const index = Number(process.env.FERRY_WORKER_INDEX);
  const count = Number(process.env.FERRY_WORKER_COUNT);
  return Number.isInteger(index) && Number.isInteger(count) && count > 0 ? { index, count } : null;
}

export function linkToPrimary(registry: Registry, onDrain: (exit: boolean) => void): WorkerLink {
  const id = workerIdentity();
  if (!id || !process.send) throw new Error('not an appliance worker process');
  // Constructing an AggregatorRegistry installs prom-client's worker-side listener that
  // answers the primary's collection requests from our registry.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const send = (m: WorkerToPrimary) => process.send?.(m);
  const pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  process.on('message', (raw: unknown) => {
    if (!isFerryMessage(raw)) return;
    const m = raw as PrimaryToWorker;
    if (m.type === 'ferry:drain') onDrain(m.exit);
    else if (m.type === 'ferry:metrics') {
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
    requestDrain: (exit) => send({ type: 'ferry:drain-request', exit }),
    announceListening: (url) => send({ type: 'ferry:listening', url }),
  };
}
