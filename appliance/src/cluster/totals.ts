// Every worker's traffic summed for the primary's one heartbeat (load, responses, bytes
// served per file) and for the evictor (bodies in flight per file), from the reports each
// worker sends every REPORT_MS (worker.ts).
import { FileTraffic } from '../ops/file-traffic.js';
import { ResponseTally } from '../ops/response-tally.js';
import type { ServeState } from '../server.js';
import type { WorkerReport } from './messages.js';

interface Latest {
  pid: number;
  state: ServeState;
  requestsInFlight: number;
  open: Map<string, number>;
}

export interface WorkerSummary {
  index: number;
  pid: number;
  state: ServeState;
  requestsInFlight: number;
}

export class WorkerTotals {
  /** content responses of every worker since this appliance started */
  readonly tally = new ResponseTally();
  /** bytes served per file, taken into each heartbeat (the workers' in-flight counts are below) */
  readonly served = new FileTraffic();
  private readonly latest = new Map<number, Latest>();
  private bytes = 0;

  record(index: number, pid: number, r: WorkerReport): void {
    // Deltas only grow the totals: a restarted worker starts again from zero.
    this.bytes += Math.max(0, r.bytesSent);
    this.tally.add({ total: Math.max(0, r.responses.total), failed: Math.max(0, r.responses.failed) });
    for (const [id, bytes] of r.served) this.served.addServed(id, bytes);
    this.latest.set(index, {
      pid,
      state: r.state,
      requestsInFlight: r.requestsInFlight,
      open: new Map(r.open),
    });
  }

  /** A worker exited: its connections and bodies in flight are gone with it. */
  gone(index: number): void {
    this.latest.delete(index);
  }

  /** Body bytes sent by every worker since start (a counter that only grows). */
  bytesSent(): number {
    return this.bytes;
  }

  connections(): number {
    let n = 0;
    for (const w of this.latest.values()) n += w.requestsInFlight;
    return n;
  }

  /** Bodies from `id` in flight in any worker, as of the workers' last reports. */
  inFlight(id: string): number {
    let n = 0;
    for (const w of this.latest.values()) n += w.open.get(id) ?? 0;
    return n;
  }

  /** Serving while any worker serves; drained once every worker that reported is drained. */
  state(): ServeState {
    const states = [...this.latest.values()].map((w) => w.state);
    if (states.length === 0 || states.includes('serving')) return 'serving';
    return states.every((s) => s === 'drained') ? 'drained' : 'draining';
  }

  list(): WorkerSummary[] {
    return [...this.latest]
      .sort(([a], [b]) => a - b)
      .map(([index, w]) => ({ index, pid: w.pid, state: w.state, requestsInFlight: w.requestsInFlight }));
  }
}
