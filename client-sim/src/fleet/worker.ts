// One worker thread's share of a fleet: its own event loop, connection pools and sessions
// (every `count`-th one). Talks to fleet-threads.ts by messages: ready → go → progress… →
// done (or error); `stop` ends the sessions early.
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { type FleetOptions, runFleet } from './fleet.js';
import { FleetSetupError } from './setup-error.js';

export type WorkerOptions = Omit<FleetOptions, 'onProgress' | 'signal' | 'startAt'>;
export type ToWorker = { type: 'go'; startAt: number } | { type: 'stop' };

const port = parentPort!;
const opts = workerData as WorkerOptions;
const stop = new AbortController();

port.on('message', (m: ToWorker) => {
  if (m.type === 'stop') stop.abort();
  if (m.type === 'go') {
    runFleet({
      ...opts,
      startAt: m.startAt,
      signal: stop.signal,
      onProgress: (p) => port.postMessage({ type: 'progress', progress: p }),
    }).then(
      (result) => {
        port.postMessage({ type: 'done', sessions: result.sessions, selfLoad: result.selfLoad });
        port.close();
      },
      (err: unknown) => {
        const code = err instanceof FleetSetupError ? err.code : 'FERRY_ERR_SIM_CONTROL';
        port.postMessage({ type: 'error', code, message: describeError(err) });
        port.close();
      },
    );
  }
});
port.postMessage({ type: 'ready' });
