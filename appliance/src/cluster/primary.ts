// The primary of a multi-process appliance (--workers N): like nginx's master, it forks one
// worker per core, all serving the same listen socket, restarts a worker that dies, fans
// a drain out to every worker, aggregates /metrics over all of them, and on SIGTERM/SIGINT
// drains the workers and exits once they have.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { ApplianceConfig } from '../config.js';
import type { Logger } from '../ops/logger.js';
import { ContentStore } from '../store/store.js';
import { isFerryMessage, type PrimaryToWorker, type WorkerToPrimary } from './messages.js';

const RESTART_BACKOFF_MS = [100, 500, 1000, 2000, 5000];

export async function runPrimary(config: ApplianceConfig, workers: number, logger: Logger): Promise<void> {
  // Crash recovery (re-indexing, dropping stale rows) runs once here, so workers that open
  // the store together find it consistent rather than racing to repair it.
  ContentStore.open(config.stores, { logger, checkIntervalMs: 0 }).close();

  const aggregator = new AggregatorRegistry();
  const live = new Map<number, Worker>();
  const ready = new Set<number>();
  const restarts = new Map<number, number>();
  let stopping = false;
  let announced = false;

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
      if (!announced && ready.size === workers) {
        announced = true;
        process.stderr.write(`ferry appliance ${config.id} serving on ${m.url} (${workers} workers)\n`);
      }
    } else if (m.type === 'ferry:drain-request') {
      if (m.exit) stopAll('drain request');
      else broadcast({ type: 'ferry:drain', exit: false });
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
}
