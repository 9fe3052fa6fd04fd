// The primary of a multi-process appliance (--workers N): like nginx's master, it forks one
// worker per core, all serving the same listen sockets (viewers' and admin), restarts a
// worker that dies, fans drains and undrains out to every worker (answering the admin
// request only once every worker has applied it, so any worker's /v1/status agrees right
// after), sums /metrics over all of them and its own registry, on SIGTERM/SIGINT drains the
// workers and exits once they have, and on SIGHUP tells every worker to reload (keys, store
// index, access log, the live settings of a re-read config file: reload.ts; each worker also
// polls the key file itself, so a rotation needs no signal).
// It also runs the parts that exist once per appliance (services.ts: BGP, the control
// agent, chaos, fill), publishing what workers must follow and summing what they report.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { ApplianceConfig } from '../config.js';
import type { Logger } from '../ops/logger.js';
import { applyLive, type LiveSettings } from '../reload.js';
import { loadCertPair } from '../tls/certificate.js';
import {
  type AdminOrder,
  isFerryMessage,
  type OrderResult,
  type PrimaryToWorker,
  type WorkerMetrics,
  type WorkerToPrimary,
} from './messages.js';
import { type PrimaryServices, startPrimaryServices } from './services.js';
import { WorkerTotals } from './totals.js';

const RESTART_BACKOFF_MS = [100, 500, 1000, 2000, 5000];
/** A worker that does not confirm an order in this time (hung, dying) is not waited for. */
const ORDER_TIMEOUT_MS = 2000;
/** A worker that does not hand over its metrics in this time is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 2000;
/** Store changes this close together reach the workers as one refresh (a fill adds many). */
const STORE_REFRESH_MS = 20;
/** How long the primary's own parts may take to stop once the workers are gone. */
const SERVICES_STOP_MS = 5000;

export interface RunningPrimary {
  /** SIGHUP: reloads its own parts and every worker's, with the live settings given. */
  reload(why: string, live?: LiveSettings): void;
}

export async function runPrimary(
  config: ApplianceConfig,
  workers: number,
  logger: Logger,
): Promise<RunningPrimary> {
  // A pair that cannot serve is a start error here too, not workers restarting forever.
  if (config.tls) await loadCertPair(config.tls.certFile, config.tls.keyFile);
  const live = new Map<number, Worker>();
  const ready = new Set<number>();
  const restarts = new Map<number, number>();
  const totals = new WorkerTotals();
  let stopping = false;
  // The start failed: the error is the primary's exit, not the workers' leaving.
  let abandoned = false;
  // Drained by an admin order: a worker restarted meanwhile must start drained too.
  let drained = false;
  let nextRound = 0;
  const rounds = new Map<number, { waiting: Set<number>; done: () => void }>();
  let nextCollect = 0;
  const collections = new Map<number, { waiting: Set<number>; got: WorkerMetrics[]; done: () => void }>();
  let refreshQueued = false;

  const broadcast = (m: PrimaryToWorker) => {
    for (const w of live.values()) if (w.isConnected()) w.send(m);
  };
  /** The chaos kill: every worker and the primary end at once, as a crash would end them. */
  const killAll = (code: number) => {
    stopping = true;
    for (const w of live.values()) w.process.kill('SIGKILL');
    logger.flush(() => process.exit(code));
    // A flush that never calls back must not keep a killed appliance alive.
    setTimeout(() => process.exit(code), 500);
  };
  const services: PrimaryServices = await startPrimaryServices(config, logger, {
    totals,
    // Once stopping, control hears draining (then drained) even when no worker reports any more.
    state: () => {
      const s = totals.state();
      if (!stopping || s !== 'serving') return s;
      return live.size === 0 ? 'drained' : 'draining';
    },
    publish: (state) => broadcast({ type: 'ferry:shared', state }),
    storeChanged: () => {
      if (refreshQueued) return;
      refreshQueued = true;
      setTimeout(() => {
        refreshQueued = false;
        broadcast({ type: 'ferry:store-changed' });
      }, STORE_REFRESH_MS);
    },
    exit: killAll,
    // Control's drain order (agent/control-drain.ts): the same fan-out as an admin order.
    order: (order) => runOrder(order),
  });

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

  /** Every worker's registry (those that answer in time) and the primary's, summed. */
  const clusterMetrics = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const id = nextCollect++;
      const got: WorkerMetrics[] = [];
      const waiting = new Set<number>();
      const finish = () => {
        clearTimeout(timer);
        collections.delete(id);
        // The primary's first: gauges aggregated 'first' (the store's) come from its store.
        services.metrics.registry
          .getMetricsAsJSON()
          .then((own) => AggregatorRegistry.aggregate([own, ...got]).metrics())
          .then(resolve, reject);
      };
      const timer = setTimeout(() => {
        logger.warn({ unanswered: [...waiting] }, 'workers did not hand over their metrics');
        finish();
      }, COLLECT_TIMEOUT_MS);
      collections.set(id, { waiting, got, done: finish });
      for (const [i, w] of live) {
        if (!w.isConnected()) continue;
        waiting.add(i);
        w.send({ type: 'ferry:collect', id } satisfies PrimaryToWorker);
      }
      if (waiting.size === 0) finish();
    });

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
    if (live.size === 0) void exitAfterServices();
  };

  /** Once the workers are gone: the BGP session ends with a Cease, the agent stops, then exit 0. */
  const exitAfterServices = async () => {
    setTimeout(() => process.exit(0), SERVICES_STOP_MS).unref();
    try {
      await services.stop();
      logger.info('all workers stopped');
    } catch (err) {
      logger.error({ err }, 'stopping BGP, the agent or fill failed');
    }
    logger.flush(() => process.exit(0));
  };

  let onAllReady: (url: string, adminUrl: string) => void = () => {};
  const allReady = new Promise<{ url: string; adminUrl: string }>((resolve) => {
    onAllReady = (url, adminUrl) => resolve({ url, adminUrl });
  });

  const onMessage = (w: Worker, index: number, raw: unknown) => {
    if (!isFerryMessage(raw)) return;
    const m = raw as WorkerToPrimary;
    if (m.type === 'ferry:listening') {
      ready.add(index);
      w.send({ type: 'ferry:shared', state: services.shared.snapshot() } satisfies PrimaryToWorker);
      if (drained) w.send({ type: 'ferry:apply', round: -1, order: 'drain' } satisfies PrimaryToWorker);
      // A restart meanwhile may have added or removed files the new worker opened before.
      w.send({ type: 'ferry:store-changed' } satisfies PrimaryToWorker);
      if (ready.size === workers) onAllReady(m.url, m.adminUrl);
    } else if (m.type === 'ferry:drain-request') {
      if (m.exit) stopAll('drain request');
      else {
        services.noteLocalOrder('drain');
        void runOrder('drain');
      }
    } else if (m.type === 'ferry:order') {
      services.noteLocalOrder(m.order);
      void runOrder(m.order).then(
        (result) => w.isConnected() && w.send({ type: 'ferry:order-done', id: m.id, result }),
      );
    } else if (m.type === 'ferry:applied') {
      const r = rounds.get(m.round);
      r?.waiting.delete(index);
      if (r && r.waiting.size === 0) r.done();
    } else if (m.type === 'ferry:metrics-request') {
      clusterMetrics()
        .then((text) => w.isConnected() && w.send({ type: 'ferry:metrics', id: m.id, text }))
        .catch(
          (err: Error) => w.isConnected() && w.send({ type: 'ferry:metrics', id: m.id, error: err.message }),
        );
    } else if (m.type === 'ferry:collected') {
      const c = collections.get(m.id);
      if (!c) return;
      if (m.metrics) c.got.push(m.metrics);
      c.waiting.delete(index);
      if (c.waiting.size === 0) c.done();
    } else if (m.type === 'ferry:report') {
      totals.record(index, w.process.pid ?? 0, m.report);
    } else if (m.type === 'ferry:unreadable') {
      services.markUnreadable(m.fileId, m.reason);
    } else if (m.type === 'ferry:ask' && m.what === 'turnup') {
      services.turnup(m.run).then(
        (body) =>
          w.isConnected() && w.send({ type: 'ferry:answer', id: m.id, body } satisfies PrimaryToWorker),
        (err: Error) =>
          w.isConnected() &&
          w.send({ type: 'ferry:answer', id: m.id, error: err.message } satisfies PrimaryToWorker),
      );
    } else if (m.type === 'ferry:ask') {
      let body: unknown;
      let error: string | undefined;
      try {
        body = m.what === 'status' ? services.status() : services.routes(new URLSearchParams(m.query));
      } catch (err) {
        error = (err as Error).message;
      }
      if (w.isConnected()) w.send({ type: 'ferry:answer', id: m.id, body, error } satisfies PrimaryToWorker);
    }
  };

  const fork = (index: number) => {
    const w = cluster.fork({ FERRY_WORKER_INDEX: String(index), FERRY_WORKER_COUNT: String(workers) });
    live.set(index, w);
    w.on('message', (m) => onMessage(w, index, m));
    w.on('exit', (code, signal) => {
      live.delete(index);
      ready.delete(index);
      totals.gone(index);
      for (const r of rounds.values()) {
        r.waiting.delete(index);
        if (r.waiting.size === 0) r.done();
      }
      for (const c of collections.values()) {
        c.waiting.delete(index);
        if (c.waiting.size === 0) c.done();
      }
      if (stopping) {
        if (live.size === 0 && !abandoned) void exitAfterServices();
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

  const { url, adminUrl } = await allReady;
  // BGP, the agent and fill start once viewers can be served: the heartbeat names the URL.
  try {
    await services.start(url);
  } catch (err) {
    // The BGP port taken, say: a start error, and no worker left behind serving without it.
    stopping = true;
    abandoned = true;
    for (const w of live.values()) w.process.kill('SIGKILL');
    await services.stop().catch(() => {});
    // The cluster's IPC channels and the signal handlers would keep the process up.
    cluster.disconnect();
    throw err;
  }
  process.stderr.write(`ferry appliance ${config.id} admin on ${adminUrl}\n`);
  process.stderr.write(`ferry appliance ${config.id} serving on ${url} (${workers} workers)\n`);
  return {
    reload: (why, settings) => {
      logger.info({ why, workers: live.size }, 'asking workers to reload');
      if (settings) {
        applyLive(config, settings);
        logger.level = settings.logLevel;
      }
      services.reload(why);
      broadcast(settings ? { type: 'ferry:reload', live: settings } : { type: 'ferry:reload' });
    },
  };
}
