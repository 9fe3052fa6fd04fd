// A fleet split over worker threads. One event loop moving segment bytes and running a
// 50 ms watchdog per transfer saturates near 1000 sessions on loopback (see the docs), and
// a saturated loop fires timers late, which shows up as stalls the network never caused.
// Each worker runs every `workers`-th session with its own pools; all start on one clock
// (ready → go), and their QoE records are merged into one report here.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Agent } from 'undici';
import type { SessionQoe } from '../player/qoe.js';
import { buildReport } from '../report/aggregate.js';
import {
  defaultRampSec,
  type FleetOptions,
  type FleetProgress,
  type FleetResult,
  fleetPlan,
  runFleet,
} from './fleet.js';
import type { LiveSnapshot } from './live.js';
import { type SelfLoad, watchSelfLoad } from './self-load.js';
import { type FleetSetupCode, FleetSetupError } from './setup-error.js';
import { sourceAddresses } from './source-addresses.js';
import { fetchTitles } from './titles.js';
import type { ToWorker, WorkerOptions } from './worker.js';

const READY_TIMEOUT_MS = 30_000;

type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; progress: FleetProgress }
  | { type: 'done'; sessions: SessionQoe[]; selfLoad: SelfLoad }
  | { type: 'error'; code: FleetSetupCode; message: string };

/**
 * Workers load TypeScript sources, so each registers tsx's loader before importing its
 * entry (a worker does not inherit the loader hooks of the thread that started it).
 */
function startWorker(data: WorkerOptions): Worker {
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

export async function runFleetThreads(opts: FleetOptions & { workers: number }): Promise<FleetResult> {
  const { workers: count, onProgress, signal, ...rest } = opts;
  if (count <= 1) return runFleet(opts);
  // One plan for every worker: the same seed gives the same audience however it is split.
  const setupPool = new Agent({ connections: 1 });
  const titles = await fetchTitles(opts.control, opts.titleIds, setupPool).finally(() => setupPool.destroy());
  const plan = opts.plan ?? fleetPlan(opts, titles, opts.rampSec ?? defaultRampSec(opts.durationSec));
  const data = (index: number): WorkerOptions => ({ ...rest, plan, shard: { index, count } });
  const workers = Array.from({ length: count }, (_, i) => startWorker(data(i)));
  const latest: (FleetProgress | undefined)[] = new Array(count).fill(undefined);
  const load = watchSelfLoad();
  let ticker: NodeJS.Timeout | undefined;
  const stopAll = () => {
    for (const w of workers) w.postMessage({ type: 'stop' } satisfies ToWorker);
  };
  try {
    // Every worker reports ready, or the first failure wins.
    const results = workers.map(
      (w, i) =>
        new Promise<{ sessions: SessionQoe[]; selfLoad: SelfLoad }>((resolve, reject) => {
          w.on('message', (m: FromWorker) => {
            if (m.type === 'progress') latest[i] = m.progress;
            else if (m.type === 'done') resolve(m);
            else if (m.type === 'error') reject(new FleetSetupError(m.code, m.message));
          });
          w.on('error', reject);
          w.on('exit', (code) => reject(new Error(`fleet worker ${i} exited (${code}) before it was done`)));
        }),
    );
    // Awaited below, or abandoned when start-up fails; either way never unhandled.
    for (const r of results) r.catch(() => undefined);
    const ready = workers.map(
      (w) =>
        new Promise<void>((resolve) => w.on('message', (m: FromWorker) => m.type === 'ready' && resolve())),
    );
    let readyTimer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      readyTimer = setTimeout(
        () => reject(new Error('fleet workers did not start in time')),
        READY_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([Promise.all(ready), timeout, ...results]);
    } finally {
      clearTimeout(readyTimer);
    }
    const startAt = Date.now();
    for (const w of workers) w.postMessage({ type: 'go', startAt } satisfies ToWorker);
    signal?.addEventListener('abort', stopAll, { once: true });
    if (signal?.aborted) stopAll();

    // Each worker's rate is over its own last second; a late worker keeps its last figure
    // rather than reading as a drop to zero.
    const progress = () => {
      const sum: LiveSnapshot = {
        started: 0,
        running: 0,
        done: 0,
        playing: 0,
        stalled: 0,
        bytes: 0,
        failovers: 0,
        errors: 0,
      };
      let bps = 0;
      for (const p of latest) {
        if (!p) continue;
        for (const k of Object.keys(sum) as (keyof LiveSnapshot)[]) sum[k] += p[k];
        if (p.running > 0) bps += p.bps;
      }
      onProgress?.({ ...sum, total: opts.sessions, elapsedMs: Date.now() - startAt, bps });
    };
    if (onProgress) ticker = setInterval(progress, opts.progressEveryMs ?? 1000);

    const parts = await Promise.all(results);
    if (onProgress) progress();
    const sessions = parts
      .flatMap((p) => p.sessions)
      .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    const addresses = opts.sourceCidr ? sourceAddresses(opts.sourceCidr, opts.sessions) : [];
    const own = load.stop(count);
    return {
      sessions,
      report: buildReport(sessions),
      sourceAddresses:
        addresses.length > 0 ? new Set(sessions.map((s) => addresses[Number(s.id.slice(1)) - 1])).size : 0,
      rampSec: opts.rampSec ?? defaultRampSec(opts.durationSec),
      durationMs: Date.now() - startAt,
      // CPU is the whole process (all threads); the loop figures are the worst worker's.
      selfLoad: {
        ...own,
        loopDelayP50Ms: Math.max(...parts.map((p) => p.selfLoad.loopDelayP50Ms)),
        loopDelayP99Ms: Math.max(...parts.map((p) => p.selfLoad.loopDelayP99Ms)),
        loopDelayMaxMs: Math.max(...parts.map((p) => p.selfLoad.loopDelayMaxMs)),
      },
    };
  } finally {
    if (ticker) clearInterval(ticker);
    signal?.removeEventListener('abort', stopAll);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
