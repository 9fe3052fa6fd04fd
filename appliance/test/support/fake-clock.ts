// A manual clock for timer tests: nothing fires until advance() moves time past a deadline.
import type { Clock } from '../../src/bgp/session/timers.js';

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves time forward by ms, firing due timers in deadline order (bounded). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let fired = 0; fired < 10_000; fired++) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.pending)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
