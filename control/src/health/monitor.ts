// Runs the health pipeline (STYLE: Traffic Monitor): probes every appliance's /healthz on
// its own timer (random start jitter so probes do not march in step), notes heartbeats, and
// checks staleness; every observation goes through evaluateHealth, and a change of verdict
// goes to `record` (ingest/health-verdict.ts: model, event log, store). The monitor reads the
// model and never writes it.
import type { Agent } from 'undici';
import type { ControlConfig } from '../config.js';
import type { HealthVerdict } from '../ingest/health-verdict.js';
import type { ControlModel } from '../model/model.js';
import type { ApplianceRecord } from '../state/store.js';
import {
  defaultHealthConfig,
  evaluateHealth,
  type HealthConfig,
  type HealthState,
  initialHealthState,
  type Observation,
} from './evaluate.js';
import { createProbeAgent, probeHealthz } from './probe.js';

export interface HealthMonitorOptions {
  config: ControlConfig;
  /** read only: the monitor's verdicts reach it through `record` */
  model: ControlModel;
  /** applies a change of verdict; settles when it is stored */
  record(verdict: HealthVerdict): Promise<void>;
  /** why the appliance's keys cannot verify control's URLs, if they cannot */
  keyMismatch?(rec: ApplianceRecord): string | undefined;
}

interface Tracked {
  state: HealthState | undefined;
  timer: NodeJS.Timeout | undefined;
  lastHeartbeatMs: number;
  probing: boolean;
}

export class HealthMonitor {
  private readonly opts: HealthMonitorOptions;
  private readonly tracked = new Map<string, Tracked>();
  private readonly agent: Agent;
  private staleTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private unlistenRemoval: (() => void) | undefined;
  private running = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly healthConfig: HealthConfig;

  constructor(opts: HealthMonitorOptions) {
    this.opts = opts;
    this.agent = createProbeAgent(opts.config.probeTimeoutMs);
    this.healthConfig = { ...defaultHealthConfig, heartbeatStaleMs: opts.config.staleAfterMs };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unlisten = this.opts.model.onAppliance((rec) => this.track(rec.id, rec.lastHeartbeatMs));
    // A removed appliance is probed no more: its url may by then name anything.
    this.unlistenRemoval = this.opts.model.onRemoval((id) => this.forget(id));
    // Appliances loaded from the store keep their last verdict and get a fresh heartbeat
    // allowance: a control restart must not take every appliance out of steering.
    const now = Date.now();
    for (const rec of this.opts.model.listAppliances()) {
      const t = this.track(rec.id, now);
      t.state = { ...initialHealthState(now), status: rec.health };
    }
    this.staleTimer = setInterval(() => this.checkStale(), this.opts.config.probeIntervalMs);
    this.staleTimer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unlisten?.();
    this.unlistenRemoval?.();
    if (this.staleTimer) clearInterval(this.staleTimer);
    for (const t of this.tracked.values()) if (t.timer) clearTimeout(t.timer);
    await Promise.allSettled([...this.inFlight]);
    await this.agent.close();
  }

  noteHeartbeat(applianceId: string, atMs: number): void {
    const t = this.track(applianceId, atMs);
    t.lastHeartbeatMs = atMs;
    this.observe(applianceId, {});
  }

  private forget(id: string): void {
    const t = this.tracked.get(id);
    if (t?.timer) clearTimeout(t.timer);
    this.tracked.delete(id);
  }

  private track(id: string, lastHeartbeatMs: number): Tracked {
    let t = this.tracked.get(id);
    if (t) return t;
    t = { state: undefined, timer: undefined, lastHeartbeatMs, probing: false };
    this.tracked.set(id, t);
    if (this.running) this.schedule(id, t, Math.random() * this.opts.config.probeIntervalMs);
    return t;
  }

  private schedule(id: string, t: Tracked, delayMs: number): void {
    if (!this.running || this.tracked.get(id) !== t) return;
    t.timer = setTimeout(() => {
      const run = this.probeOnce(id, t).finally(() => {
        this.inFlight.delete(run);
        this.schedule(id, t, this.opts.config.probeIntervalMs);
      });
      this.inFlight.add(run);
    }, delayMs);
    t.timer.unref();
  }

  private async probeOnce(id: string, t: Tracked): Promise<void> {
    const rec = this.opts.model.getAppliance(id);
    if (!rec || t.probing) return;
    t.probing = true;
    try {
      const r = await probeHealthz({
        baseUrl: rec.url,
        timeoutMs: this.opts.config.probeTimeoutMs,
        dispatcher: this.agent,
      });
      if (!this.running) return;
      this.observe(id, { probe: { ok: r.ok, error: r.error, latencyMs: r.latencyMs } });
    } finally {
      t.probing = false;
    }
  }

  private checkStale(): void {
    const now = Date.now();
    for (const [id, t] of this.tracked) {
      const last = Math.max(t.lastHeartbeatMs, this.opts.model.getAppliance(id)?.lastHeartbeatMs ?? 0);
      if (now - last > this.healthConfig.heartbeatStaleMs) this.observe(id, {});
    }
  }

  /** Evaluates one observation (a probe result, or none) against the latest heartbeat. */
  private observe(id: string, extra: Pick<Observation, 'probe'>): void {
    const rec = this.opts.model.getAppliance(id);
    const t = this.tracked.get(id);
    if (!rec || !t) return;
    const nowMs = Date.now();
    const obs: Observation = {
      ...extra,
      nowMs,
      // Heartbeats may reach another control instance; its writes update the record here.
      lastHeartbeatMs: Math.max(t.lastHeartbeatMs, rec.lastHeartbeatMs),
      loadBps: rec.loadBps,
      capacityBps: rec.capacityBps,
      connections: rec.connections,
      reportedState: rec.reportedState,
    };
    const mismatch = this.opts.keyMismatch?.(rec);
    if (mismatch !== undefined) obs.keyMismatch = mismatch;
    const next = evaluateHealth(t.state ?? initialHealthState(nowMs), obs, this.healthConfig);
    t.state = next.state;
    if (next.state.status === rec.health) return;
    this.transition({ applianceId: id, from: rec.health, to: next.state.status, reason: next.reason });
  }

  private transition(verdict: HealthVerdict): void {
    const write = this.opts.record(verdict);
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }
}
