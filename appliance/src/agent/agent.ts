// The agent that reports to control (DESIGN flow 4): one heartbeat per interval, with the
// interval control asks for; exponential backoff with jitter while control cannot be reached;
// and, after `graceMs` without an answer, the appliance counts itself isolated. An isolated
// Open Connect appliance keeps the sessions it has but takes no new ones: control can no
// longer see its health or steer away from it, so new clients are better sent elsewhere.
// Ferry's rule (docs/appliance.md, "Isolation"): URLs control signed are served until they
// expire, requests nothing vouches for (--open) are refused, /healthz answers 503; the first
// good heartbeat ends it. Chaos orders in a reply go to the chaos executor (chaos/), which
// may also hold the heartbeats back for a while (the isolate fault).
import type { KeyObject } from 'node:crypto';
import { type Heartbeat, HeartbeatReply, signRequest } from '@ferry/protocol';
import { Value } from 'typebox/value';
import { Agent, request } from 'undici';
import type { Logger } from '../ops/logger.js';
import type { HeartbeatSource } from './heartbeat.js';

export interface ControlAgentOptions {
  /** control's base URL, e.g. http://127.0.0.1:7000 */
  controlUrl: string;
  applianceId: string;
  /** the appliance's identity key (`--identity-key`): every heartbeat is signed with it */
  identityKey: KeyObject;
  heartbeat: HeartbeatSource;
  logger: Logger;
  /** until control's first reply sets it (default 1000) */
  intervalMs?: number;
  /** without a good reply for this long the appliance is isolated (default 30,000) */
  graceMs?: number;
  /** longest wait between attempts while control is unreachable (default 10,000; while
   * isolated at most ISOLATED_RETRY_MAX_MS) */
  backoffMaxMs?: number;
  /** one heartbeat's time limit (default: the current interval, at least 250 ms) */
  timeoutMs?: number;
  /** the limit for a heartbeat with a snapshot part: on the last part control swaps in a
   * full table, which takes seconds (default 30,000) */
  snapshotTimeoutMs?: number;
  /** for tests of the jitter; default Math.random */
  random?: () => number;
  /** receives every good reply's `chaos` field as sent (undefined: no fault wanted) */
  chaos?: ChaosOrdersSink;
}

/**
 * Where the chaos orders of each reply go. They are handed over unchecked: orders that are
 * not well-formed are the executor's to refuse and report, not a reason to count control as
 * unreachable.
 */
export interface ChaosOrdersSink {
  receive(orders: unknown): void;
}

/**
 * Isolated, the appliance reports itself unhealthy and refuses what it cannot verify, so it
 * should notice control's return within a couple of seconds rather than after a 10 s
 * backoff: one small request every 1-2 s is little for control, and the jitter keeps
 * returning appliances out of step.
 */
export const ISOLATED_RETRY_MAX_MS = 2000;

export interface ControlAgentStatus {
  controlUrl: string;
  /** wall-clock ms of control's last good reply; null before the first */
  lastSuccessMs: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  isolated: boolean;
  /** sequence number of the last heartbeat sent; null before the first */
  seq: number | null;
  intervalMs: number;
  /** control's last word on this appliance's health */
  health: string | null;
  /** heartbeats held back by a chaos isolate fault */
  heartbeatsSuspended: boolean;
}

export class ControlAgent {
  private readonly url: string;
  /** path and query as sent: what the signature covers */
  private readonly signedPath: string;
  private readonly graceMs: number;
  private readonly backoffMaxMs: number;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly dispatcher: Agent;
  private readonly listeners = new Set<(isolated: boolean) => void>();
  private readonly replyListeners = new Set<(reply: HeartbeatReply) => void>();
  private intervalMs: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private current: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private isolatedNow = false;
  private lastSuccessMs: number | null = null;
  private lastError: string | null = null;
  private failures = 0;
  private seq: number | null = null;
  private health: string | null = null;
  /** heartbeats held back (the isolate fault) */
  private suspended = false;
  /** a tick found the heartbeats suspended and did not schedule the next */
  private parked = false;

  constructor(private readonly opts: ControlAgentOptions) {
    const base = opts.controlUrl.replace(/\/+$/, '');
    this.url = `${base}/v1/appliances/${encodeURIComponent(opts.applianceId)}/heartbeat`;
    const parsed = new URL(this.url);
    this.signedPath = parsed.pathname + parsed.search;
    this.graceMs = opts.graceMs ?? 30_000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 10_000;
    this.intervalMs = opts.intervalMs ?? 1000;
    this.random = opts.random ?? Math.random;
    this.log = opts.logger.child({ part: 'control-agent' });
    // One kept-alive connection is enough at one small request a second.
    this.dispatcher = new Agent({ connections: 1, keepAliveTimeout: 30_000, pipelining: 0 });
  }

  /** True after `graceMs` without a good reply from control; new content requests get 503. */
  get isolated(): boolean {
    return this.isolatedNow;
  }

  /** Called with the new value each time `isolated` changes; returns an unsubscribe function. */
  onIsolationChange(fn: (isolated: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Called with every good reply (its drain order, control's signing key); returns an
   * unsubscribe function.
   */
  onReply(fn: (reply: HeartbeatReply) => void): () => void {
    this.replyListeners.add(fn);
    return () => this.replyListeners.delete(fn);
  }

  /**
   * Sends no heartbeat until resumeHeartbeats() (the chaos isolate fault): control sees the
   * appliance go silent. A heartbeat already on its way still lands. The grace period runs
   * on, so a long silence isolates the appliance as a real loss of control would.
   */
  suspendHeartbeats(): void {
    if (this.suspended) return;
    this.suspended = true;
    this.log.warn('heartbeats suspended');
  }

  resumeHeartbeats(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.log.warn('heartbeats resumed');
    if (this.parked && this.running) {
      this.parked = false;
      this.schedule(0);
    }
  }

  status(): ControlAgentStatus {
    return {
      controlUrl: this.opts.controlUrl,
      lastSuccessMs: this.lastSuccessMs,
      lastError: this.lastError,
      consecutiveFailures: this.failures,
      isolated: this.isolatedNow,
      seq: this.seq,
      intervalMs: this.intervalMs,
      health: this.health,
      heartbeatsSuspended: this.suspended,
    };
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    // Grace runs from start too: an appliance that never reached control is as blind as one
    // that lost it.
    this.armGrace();
    this.schedule(0);
    this.log.info(
      { url: this.url, intervalMs: this.intervalMs, graceMs: this.graceMs },
      'control agent started',
    );
  }

  /** Stops sending and closes the connection to control; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.running = false;
      clearTimeout(this.timer);
      clearTimeout(this.graceTimer);
      this.inFlight?.abort(new Error('agent stopped'));
      await this.current;
      await this.dispatcher.close();
    })();
    return this.stopping;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.current = this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.suspended) {
      this.parked = true;
      return;
    }
    const started = performance.now();
    let delay: number;
    try {
      const hb = await this.opts.heartbeat.build();
      this.seq = hb.seq;
      let answer: { reply: HeartbeatReply; chaos: unknown };
      try {
        answer = await this.post(hb);
      } catch (err) {
        this.opts.heartbeat.failed(hb);
        throw err;
      }
      const { reply } = answer;
      this.opts.heartbeat.delivered(hb, reply);
      this.succeeded(reply, answer.chaos);
      // The next part of a paged snapshot goes at once: a full table is 50 parts.
      delay = reply.routesNext ? 0 : Math.max(0, this.intervalMs - (performance.now() - started));
    } catch (err) {
      if (!this.running) return;
      this.failed(err);
      delay = this.backoffDelay();
    }
    if (this.running) this.schedule(delay);
  }

  private async post(hb: Heartbeat): Promise<{ reply: HeartbeatReply; chaos: unknown }> {
    const timeoutMs =
      hb.routes?.kind === 'snapshot' && hb.routes.part
        ? (this.opts.snapshotTimeoutMs ?? 30_000)
        : (this.opts.timeoutMs ?? Math.max(250, this.intervalMs));
    const ac = new AbortController();
    this.inFlight = ac;
    const timeout = setTimeout(
      () => ac.abort(new Error(`control did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const body = JSON.stringify(hb);
      // Signed per attempt: a retry carries a new nonce and timestamp, never a replay.
      const authorization = signRequest(
        { method: 'POST', path: this.signedPath, body },
        { id: this.opts.applianceId, key: this.opts.identityKey },
      );
      const res = await request(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body,
        dispatcher: this.dispatcher,
        signal: ac.signal,
      });
      // Read the whole body either way so the connection can be reused.
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode > 299) {
        throw new Error(`control answered ${res.statusCode}: ${text.slice(0, 200)}`);
      }
      const parsed: unknown = JSON.parse(text);
      // The chaos field is checked by the executor: a bad one is refused there, alone.
      const { chaos, ...reply } = (parsed ?? {}) as Record<string, unknown>;
      if (typeof parsed !== 'object' || !Value.Check(HeartbeatReply, reply))
        throw new Error('control sent a reply that is not a HeartbeatReply');
      return { reply, chaos };
    } finally {
      clearTimeout(timeout);
      this.inFlight = undefined;
    }
  }

  private succeeded(reply: HeartbeatReply, chaos: unknown): void {
    if (this.failures > 0) {
      this.log.info({ failures: this.failures, lastError: this.lastError }, 'control reachable again');
    }
    this.failures = 0;
    this.lastSuccessMs = Date.now();
    this.lastError = null;
    // An interval near the grace period would isolate the appliance between two good replies.
    this.intervalMs = Math.min(reply.intervalMs, Math.max(100, Math.floor(this.graceMs / 3)));
    if (reply.health !== this.health) {
      this.log.info({ health: reply.health, was: this.health }, 'control health view');
      this.health = reply.health;
    }
    this.armGrace();
    this.setIsolated(false);
    try {
      this.opts.chaos?.receive(chaos);
    } catch (err) {
      this.log.error({ err }, 'chaos executor threw on orders');
    }
    for (const fn of this.replyListeners) {
      try {
        fn(reply);
      } catch (err) {
        this.log.error({ err }, 'reply listener threw');
      }
    }
  }

  private failed(err: unknown): void {
    this.failures++;
    this.lastError = err instanceof Error ? err.message : String(err);
    // Once per outage at warn; every attempt is still in status and at debug.
    if (this.failures === 1)
      this.log.warn({ err: this.lastError }, 'heartbeat to control failed; backing off');
    else this.log.debug({ err: this.lastError, failures: this.failures }, 'heartbeat to control failed');
  }

  /**
   * The interval doubled per failure, capped, then "equal jitter": between half and all of
   * it, so appliances that lost control together do not return in step, yet never retry in
   * a tight loop.
   */
  private backoffDelay(): number {
    const exp = Math.min(this.failures - 1, 30);
    const cap = this.isolatedNow ? Math.min(this.backoffMaxMs, ISOLATED_RETRY_MAX_MS) : this.backoffMaxMs;
    const ceiling = Math.min(cap, this.intervalMs * 2 ** exp);
    return ceiling / 2 + (ceiling / 2) * this.random();
  }

  private armGrace(): void {
    clearTimeout(this.graceTimer);
    if (!this.running) return;
    this.graceTimer = setTimeout(() => this.setIsolated(true), this.graceMs);
    this.graceTimer.unref();
  }

  private setIsolated(isolated: boolean): void {
    if (isolated === this.isolatedNow) return;
    this.isolatedNow = isolated;
    if (isolated) {
      this.log.warn(
        { graceMs: this.graceMs, lastSuccessMs: this.lastSuccessMs, lastError: this.lastError },
        'no answer from control within the grace period: isolated, serving only signed URLs',
      );
    } else {
      this.log.info('control answers again: no longer isolated');
    }
    for (const fn of this.listeners) {
      try {
        fn(isolated);
      } catch (err) {
        this.log.error({ err }, 'isolation listener threw');
      }
    }
  }
}
