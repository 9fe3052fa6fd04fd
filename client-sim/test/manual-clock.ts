// A clock tests move by hand.
import type { Clock } from '../src/player/clock.js';

export class ManualClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
