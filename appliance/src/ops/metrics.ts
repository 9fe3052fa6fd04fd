// Prometheus metrics of one appliance. One registry per appliance instance so that tests
// can run several appliances in one process.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FAULT_KINDS } from '@ferry/protocol';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

const LOOP_SAMPLE_MS = 10;

export interface MetricSources {
  activeTransfers(): number;
  /** 1 while isolated from control (agent/agent.ts), 0 otherwise or without --control */
  isolated(): boolean;
  store(): { disks: { id: string; state: string; files: number; bytes: number }[] };
  /** chaos faults running now, per kind */
  chaosActive?(): ReadonlyMap<string, number>;
  /** bytes of wanted files not yet held (fill); absent: 0 */
  fillBytesToGo?(): number;
}

export class ApplianceMetrics {
  readonly registry = new Registry();
  readonly bytesSent: Counter<'path'>;
  readonly responses: Counter<'status'>;
  readonly transferFailures: Counter<'path' | 'reason'>;
  readonly fileReadErrors: Counter<'disk'>;
  readonly keyReloads: Counter<'result'>;
  readonly chaosOrders: Counter<'result'>;
  readonly chaosFaults: Counter<'kind' | 'event'>;
  readonly chaosInjected: Counter<'kind'>;
  readonly fillBytes: Counter<'source_kind'>;
  readonly fillFiles: Counter<'result'>;
  readonly evictions: Counter;
  // The histogram records the whole interval between samples (resolution + lateness);
  // the gauges subtract the resolution so an idle loop reads ~0, not ~10 ms.
  private readonly loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  // Per-response figures are kept as plain numbers and handed to prom-client when scraped:
  // a labelled .inc() hashes and validates its labels on every call, a cost the per-request
  // path cannot afford. Count them through countResponse / countBytesSent only (a direct
  // .inc() on these two counters is replaced by these totals at the next scrape).
  private readonly statusCounts = new Map<number, number>();
  private readonly bytesByPath = new Map<string, number>();

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'ferry_process_' });
    this.bytesSent = new Counter({
      name: 'ferry_bytes_sent_total',
      help: 'Body bytes handed to the kernel, by body path (sendfile engine or copy path)',
      labelNames: ['path'],
      registers,
      collect: totalsOf(this.bytesByPath, (path) => ({ path })),
    });
    this.responses = new Counter({
      name: 'ferry_responses_total',
      help: 'HTTP responses by status code',
      labelNames: ['status'],
      registers,
      collect: totalsOf(this.statusCounts, (status) => ({ status: String(status) })),
    });
    this.transferFailures = new Counter({
      name: 'ferry_transfer_failures_total',
      help: 'Body transfers that did not complete, by path and reason',
      labelNames: ['path', 'reason'],
      registers,
    });
    this.fileReadErrors = new Counter({
      name: 'ferry_file_read_errors_total',
      help: 'Stored files found unreadable when serving them (each leaves the inventory), by disk',
      labelNames: ['disk'],
      registers,
    });
    this.keyReloads = new Counter({
      name: 'ferry_token_key_reloads_total',
      help: 'Reloads of the token key file (poll or SIGHUP): changed, unchanged, failed (old keys kept)',
      labelNames: ['result'],
      registers,
    });
    this.chaosOrders = new Counter({
      name: 'ferry_appliance_chaos_orders_total',
      help: 'Chaos orders from control: accepted, or refused by reason (chaos-off, bad-signature, replayed, …)',
      labelNames: ['result'],
      registers,
    });
    this.chaosFaults = new Counter({
      name: 'ferry_appliance_chaos_faults_total',
      help: 'Chaos faults by kind and event: applied, reverted (aborted by control), expired (ran their time), lease (reverted when orders stopped), failed (could not apply)',
      labelNames: ['kind', 'event'],
      registers,
    });
    this.chaosInjected = new Counter({
      name: 'ferry_appliance_chaos_injected_total',
      help: 'Content requests a chaos fault acted on: latency (delayed), errors (answered 503), reset (connection reset mid-body)',
      labelNames: ['kind'],
      registers,
    });
    this.fillBytes = new Counter({
      name: 'ferry_appliance_fill_bytes_total',
      help: 'Bytes fetched by fill, by source kind: peer, parent, origin',
      labelNames: ['source_kind'],
      registers,
    });
    this.fillFiles = new Counter({
      name: 'ferry_appliance_fill_files_total',
      help: 'Fill outcomes per file: filled (verified and servable), corrupt (a source sent bytes whose sha256 did not match), error (a source failed), failed (every source failed; retried later)',
      labelNames: ['result'],
      registers,
    });
    this.evictions = new Counter({
      name: 'ferry_appliance_evictions_total',
      help: 'Files removed because control no longer wants them here (after the grace period, with no transfer in flight)',
      registers,
    });
    new Gauge({
      name: 'ferry_appliance_fill_bytes_to_go',
      help: 'Bytes of the files control wants here that are not held yet',
      registers,
      collect() {
        this.set(sources.fillBytesToGo?.() ?? 0);
      },
    });
    new Gauge({
      name: 'ferry_appliance_chaos_active',
      help: 'Chaos faults running now, by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        // Every kind, 0 when not running, so a dashboard's series do not appear from nowhere.
        const active = sources.chaosActive?.();
        for (const kind of FAULT_KINDS) this.set({ kind }, active?.get(kind) ?? 0);
      },
    });
    new Gauge({
      name: 'ferry_control_isolated',
      help: '1 while the appliance has had no answer from control for longer than its grace period',
      registers,
      // The primary's agent and every worker (told by the primary) agree: one value, not a sum.
      aggregator: 'max',
      collect() {
        this.set(sources.isolated() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ferry_active_transfers',
      help: 'Body transfers in flight',
      registers,
      collect() {
        this.set(sources.activeTransfers());
      },
    });
    this.loopDelay.enable();
    const delay = this.loopDelay;
    const nsToS = 1e-9;
    let lastMax = 0;
    // Percentiles cover the interval since the previous scrape: the histogram is reset
    // after each collection, so a scrape before and after a load run isolates that run.
    // prom-client collects in registration order, so the max gauge below reads lastMax
    // from this same scrape.
    new Gauge({
      name: 'ferry_event_loop_delay_p99_seconds',
      help: 'Event-loop delay p99 since the previous scrape (the worst worker with --workers)',
      registers,
      aggregator: 'max',
      collect() {
        const late = (ns: number) => Math.max(0, ns * nsToS - LOOP_SAMPLE_MS / 1000);
        this.set(delay.count > 0 ? late(delay.percentile(99)) : 0);
        lastMax = delay.count > 0 ? late(delay.max) : 0;
        delay.reset();
      },
    });
    new Gauge({
      name: 'ferry_event_loop_delay_max_seconds',
      help: 'Event-loop delay maximum since the previous scrape',
      registers,
      aggregator: 'max',
      collect() {
        this.set(lastMax);
      },
    });
    const perDisk = (
      name: string,
      help: string,
      value: (d: ReturnType<MetricSources['store']>['disks'][number]) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['disk'],
        registers,
        // Every worker sees the same store.
        aggregator: 'first',
        collect() {
          this.reset();
          for (const d of sources.store().disks) this.set({ disk: d.id }, value(d));
        },
      });
    perDisk('ferry_store_files', 'Files indexed per disk', (d) => d.files);
    perDisk('ferry_store_bytes', 'Bytes stored per disk', (d) => d.bytes);
    perDisk('ferry_store_disk_up', '1 when a disk is readable, 0 when it is marked failed', (d) =>
      d.state === 'ok' ? 1 : 0,
    );
  }

  /** One response answered with `status` (ferry_responses_total). */
  countResponse(status: number): void {
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
  }

  /** Body bytes handed to the kernel on a body path (ferry_bytes_sent_total). */
  countBytesSent(path: string, bytes: number): void {
    this.bytesByPath.set(path, (this.bytesByPath.get(path) ?? 0) + bytes);
  }

  /** Body bytes handed to the kernel since start, over every body path (the heartbeat's load). */
  bytesSentTotal(): number {
    let total = 0;
    for (const n of this.bytesByPath.values()) total += n;
    return total;
  }

  /** Text exposition. Gauges that read other gauges are collected in registration order. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.loopDelay.disable();
    this.registry.clear();
  }
}

/** A counter's collect(): its series become the running totals held in `totals`. */
function totalsOf<K, L extends string>(
  totals: ReadonlyMap<K, number>,
  labels: (key: K) => Partial<Record<L, string>>,
): (this: Counter<L>) => void {
  return function collect(this: Counter<L>) {
    this.reset();
    for (const [key, n] of totals) this.inc(labels(key), n);
  };
}
