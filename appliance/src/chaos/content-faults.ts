// The latency and errors faults as the content handler sees them: for each content request
// (GET|HEAD /v1/c/…, never /healthz: probes keep telling the truth about liveness) a plan of
// how long to hold the first byte back and whether to fail it. Several of a kind at once: the
// one applied last is in force; reverting it puts the one before back (or none).
import type { ChaosParams } from '@ferry/protocol';

export type InjectedFailure = '503' | 'reset';

export interface ContentFaultPlan {
  /** ms to wait before the response's first byte */
  delayMs: number;
  /** answer 503, or send the headers and half the body and reset the connection */
  fail?: InjectedFailure;
}

/** What http/content-handler.ts asks on every content request. */
export interface ContentFaultSource {
  plan(): ContentFaultPlan;
}

export interface ContentFaultEvents {
  /** a request was delayed, answered 503 or reset (the injected-requests counter) */
  injected(kind: 'latency' | 'errors' | 'reset'): void;
}

const NONE: ContentFaultPlan = { delayMs: 0 };

export class ContentFaults implements ContentFaultSource {
  private readonly latency = new Map<string, ChaosParams>();
  private readonly errors = new Map<string, ChaosParams>();

  constructor(
    private readonly events: ContentFaultEvents,
    private readonly random: () => number = Math.random,
  ) {}

  setLatency(experimentId: string, params: ChaosParams): void {
    this.latency.delete(experimentId);
    this.latency.set(experimentId, params);
  }

  setErrors(experimentId: string, params: ChaosParams): void {
    this.errors.delete(experimentId);
    this.errors.set(experimentId, params);
  }

  clear(experimentId: string): void {
    this.latency.delete(experimentId);
    this.errors.delete(experimentId);
  }

  plan(): ContentFaultPlan {
    if (this.latency.size === 0 && this.errors.size === 0) return NONE;
    const plan: ContentFaultPlan = { delayMs: 0 };
    const lat = last(this.latency);
    if (lat && this.random() < (lat.fraction ?? 1)) {
      const jitter = lat.jitterMs ?? 0;
      // Uniform in delayMs ± jitterMs; jitterMs <= delayMs (checkFaultParams), so never < 0.
      plan.delayMs = Math.max(0, Math.round((lat.delayMs ?? 0) + (this.random() * 2 - 1) * jitter));
      if (plan.delayMs > 0) this.events.injected('latency');
    }
    const err = last(this.errors);
    if (err && this.random() < (err.fraction ?? 0)) {
      plan.fail = err.mode ?? '503';
      this.events.injected(plan.fail === 'reset' ? 'reset' : 'errors');
    }
    return plan;
  }
}

function last<V>(m: Map<string, V>): V | undefined {
  let out: V | undefined;
  for (const v of m.values()) out = v;
  return out;
}
