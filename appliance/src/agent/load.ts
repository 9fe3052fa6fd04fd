// Load for the heartbeat: the send rate in bits/s over the time since the previous sample,
// and the connections open now. A counter is sampled rather than a rate kept per transfer so
// the data path pays nothing for it.

export interface LoadSources {
  /** body bytes sent since the process started (a counter that only grows) */
  bytesSent(): number | Promise<number>;
  /** connections (or requests) open now */
  connections(): number;
  /** monotonic milliseconds; injectable for tests */
  now?: () => number;
}

export interface LoadSample {
  bitsPerSecond: number;
  connections: number;
}

export class LoadSampler {
  private readonly now: () => number;
  private last: { bytes: number; at: number } | undefined;

  constructor(private readonly sources: LoadSources) {
    this.now = sources.now ?? (() => performance.now());
  }

  async sample(): Promise<LoadSample> {
    const bytes = await this.sources.bytesSent();
    const at = this.now();
    const prev = this.last;
    this.last = { bytes, at };
    const connections = Math.max(0, Math.trunc(this.sources.connections()));
    // The first sample has no interval; a counter that went backwards (a worker restarted
    // and its counter with it) has no meaningful rate either. Report 0 rather than guess.
    if (!prev || bytes < prev.bytes || at <= prev.at) return { bitsPerSecond: 0, connections };
    return { bitsPerSecond: ((bytes - prev.bytes) * 8 * 1000) / (at - prev.at), connections };
  }
}
