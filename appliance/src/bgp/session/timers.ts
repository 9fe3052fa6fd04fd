// The FSM's named timers (RFC 4271 §10) over an abstract clock, so that the session runs
// on real time and the FSM tests on a fake clock.
import type { TimerName } from './fsm-types.js';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** One running instance per name; starting a running timer restarts it. */
export class TimerSet {
  private readonly running = new Map<TimerName, { handle: unknown; deadline: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (name: TimerName) => void,
  ) {}

  start(name: TimerName, ms: number): void {
    this.stop(name);
    const handle = this.clock.setTimeout(() => {
      this.running.delete(name);
      this.onExpire(name);
    }, ms);
    this.running.set(name, { handle, deadline: this.clock.now() + ms });
  }

  stop(name: TimerName): void {
    const t = this.running.get(name);
    if (!t) return;
    this.clock.clearTimeout(t.handle);
    this.running.delete(name);
  }

  stopAll(): void {
    for (const name of [...this.running.keys()]) this.stop(name);
  }

  /** Milliseconds until the timer fires, or undefined when it is not running. */
  remaining(name: TimerName): number | undefined {
    const t = this.running.get(name);
    return t ? Math.max(0, t.deadline - this.clock.now()) : undefined;
  }
}

/** RFC 4271 §8.1.3 event for each timer's expiry. */
export const expiryEvent = {
  connectRetry: 'ConnectRetryTimer_Expires',
  hold: 'HoldTimer_Expires',
  keepalive: 'KeepaliveTimer_Expires',
  idleHold: 'IdleHoldTimer_Expires',
} as const satisfies Record<TimerName, string>;
