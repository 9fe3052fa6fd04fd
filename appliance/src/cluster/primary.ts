// The primary of a multi-process appliance (--workers N): like nginx's master, it forks one
// worker per core, all serving the same listen sockets (viewers' and admin), restarts a
// worker that dies, fans drains and undrains out to every worker (answering the admin
// request only once every worker has applied it, so any worker's /v1/status agrees right
// after), aggregates /metrics over all of them, on SIGTERM/SIGINT drains the workers
// and exits once they have, and on SIGHUP tells every worker to reload its token keys
// (each worker also polls the key file itself, so a rotation needs no signal).
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { ApplianceConfig } from '../config.js';
import type { Logger } from '../ops/logger.js';
import { ContentStore } from '../store/store.js';
import { loadCertPair } from '../tls/certificate.js';
import {
  type AdminOrder,
  isFerryMessage,
  type OrderResult,
  type PrimaryToWorker,
  type WorkerToPrimary,
} from './messages.js';

const RESTART_BACKOFF_MS = [100, 500, 1000, 2000, 5000];
/** A worker that does not confirm an order in this time (hung, dying) is not waited for. */
const ORDER_TIMEOUT_MS = 2000;

export interface RunningPrimary {
  /** Forwards a key reload to every worker (the primary holds no keys itself). */
  reloadKeys(why: string): void;
}

export async function runPrimary(
  config: ApplianceConfig,
  workers: number,
  logger: Logger,
): Promise<RunningPrimary> {
  // Crash recovery (re-indexing, dropping stale rows) runs once here, so workers that open
  // the store together find it consistent rather than racing to repair it.
  ContentStore.open(config.stores, { logger, checkIntervalMs: 0 }).close();
  // A pair that cannot serve is a start error here too, not workers restarting forever.
  if (config.tls) await loadCertPair(config.tls.certFile, config.tls.keyFile);

  const aggregator = new AggregatorRegistry();
  const live = new Map<number, Worker>();
  const ready = new Set<number>();
  const restarts = new Map<number, number>();
  let stopping = false;
  let announced = false;
  // Drained by an admin order: a worker restarted meanwhile must start drained too.
  let drained = false;
  let nextRound = 0;
  const rounds = new Map<number, { waiting: Set<number>; done: () => void }>();

  /** Sends `order` to every live worker; resolves when all have applied it (or timed out). */
  const apply = (order: AdminOrder): Promise<void> =>
    new Promise((resolve) => {
      const round = nextRound++;
      const waiting = new Set(live.keys());
      const finish = () => {
        clearTimeout(timer);
        rounds.delete(round);
        resolve();
      };
      const timer = setTimeout(() => {
        logger.warn({ order, unconfirmed: [...waiting] }, 'workers did not confirm an admin order');
        finish();
      }, ORDER_TIMEOUT_MS);
      rounds.set(round, { waiting, done: finish });
      for (const [i, w] of live) {
        if (w.isConnected()) w.send({ type: 'ferry:apply', round, order } satisfies PrimaryToWorker);
        else waiting.delete(i);
      }
      if (waiting.size === 0) finish();
    });

  const runOrder = async (order: AdminOrder): Promise<OrderResult> => {
    if (stopping) return 'exiting';
    drained = order === 'drain';
    await apply(order);
    return drained ? 'draining' : 'serving';
  };

  const broadcast = (m: PrimaryToWorker) => {
    for (const w of live.values()) if (w.isConnected()) w.send(m);
  };

  const stopAll = (why: string) => {
    if (stopping) {
      logger.warn('second stop request: killing workers');
      for (const w of live.values()) w.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ why, workers: live.size }, 'stopping workers');
    broadcast({ type: 'ferry:drain', exit: true });
    // Bounded: a worker that has not exited after its own drain timeout is killed.
    setTimeout(
      () => {
        for (const w of live.values()) w.process.kill('SIGKILL');
      },
      (config.drainTimeoutSec + 5) * 1000,
    ).unref();
    if (live.size === 0) process.exit(0);
  };

  const onMessage = (w: Worker, index: number, raw: unknown) => {
    if (!isFerryMessage(raw)) return;
    const m = raw as WorkerToPrimary;
    if (m.type === 'ferry:listening') {
      ready.add(index);
      if (drained) w.send({ type: 'ferry:apply', round: -1, order: 'drain' } satisfies PrimaryToWorker);
      if (!announced && ready.size === workers) {
        announced = true;
        process.stderr.write(`ferry appliance ${config.id} admin on ${m.adminUrl}\n`);
        process.stderr.write(`ferry appliance ${config.id} serving on ${m.url} (${workers} workers)\n`);
      }
    } else if (m.type === 'ferry:drain-request') {
      if (m.exit) stopAll('drain request');
      else void runOrder('drain');
    } else if (m.type === 'ferry:order') {
      void runOrder(m.order).then(
        (result) => w.isConnected() && w.send({ type: 'ferry:order-done', id: m.id, result }),
      );
    } else if (m.type === 'ferry:applied') {
      const r = rounds.get(m.round);
      r?.waiting.delete(index);
      if (r && r.waiting.size === 0) r.done();
    } else if (m.type === 'ferry:metrics-request') {
      aggregator
        .clusterMetrics()
        .then((text) => w.isConnected() && w.send({ type: 'ferry:metrics', id: m.id, text }))
        .catch(
          (err: Error) => w.isConnected() && w.send({ type: 'ferry:metrics', id: m.id, error: err.message }),
        );
    }
  };

  const fork = (index: number) => {
    const w = cluster.fork({ FERRY_WORKER_INDEX: String(index), FERRY_WORKER_COUNT: String(workers) });
    live.set(index, w);
    w.on('message', (m) => onMessage(w, index, m));
    w.on('exit', (code, signal) => {
      live.delete(index);
      ready.delete(index);
      for (const r of rounds.values()) {
        r.waiting.delete(index);
        if (r.waiting.size === 0) r.done();
      }
      if (stopping) {
        if (live.size === 0) {
          logger.info('all workers stopped');
          process.exit(0);
        }
        return;
      }
      const n = restarts.get(index) ?? 0;
      const delay = RESTART_BACKOFF_MS[Math.min(n, RESTART_BACKOFF_MS.length - 1)]!;
      restarts.set(index, n + 1);
      logger.error({ worker: index, code, signal, restartInMs: delay }, 'worker exited; restarting');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delay);
    });
  };

  for (let i = 0; i < workers; i++) fork(i);
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));
  return {
    reloadKeys: (why) => {
      logger.info({ why, workers: live.size }, 'asking workers to reload their token keys');
      broadcast({ type: 'ferry:reload-keys' });
    },
  };
}
