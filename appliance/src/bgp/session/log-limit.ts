// At most one log line per key per window; lines dropped meanwhile are counted and reported
// with the next one that goes out. A flood of refused connections must not flood the log.
// Keys are a small fixed set (refusal kinds, not addresses), so the map stays bounded.

export class LogLimiter {
  private readonly windows = new Map<string, { start: number; suppressed: number }>();

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** undefined: drop this line; else log it, with this many lines dropped before it. */
  take(key: string): number | undefined {
    const t = this.now();
    const w = this.windows.get(key);
    if (w && t - w.start < this.windowMs) {
      w.suppressed++;
      return undefined;
    }
    this.windows.set(key, { start: t, suppressed: 0 });
    return w?.suppressed ?? 0;
  }
}
