// Time source for the player's pure parts, so tests drive them with a fake clock.

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };
