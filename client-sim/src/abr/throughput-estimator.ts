// Throughput estimate from finished downloads: two exponentially weighted moving averages,
// a fast one that reacts to drops and a slow one that resists spikes, and the estimate is
// the lower of the two. This is dash.js's EWMA throughput model (half-lives 3 s and 8 s,
// weighted by download time, with the zero-bias correction of the running average).

export interface EstimatorConfig {
  fastHalfLifeSec: number;
  slowHalfLifeSec: number;
}

export const DEFAULT_ESTIMATOR_CONFIG: EstimatorConfig = { fastHalfLifeSec: 3, slowHalfLifeSec: 8 };

export interface ThroughputSample {
  bytes: number;
  /** Wall time from sending the request to the last byte, in milliseconds. */
  durationMs: number;
}

interface Ewma {
  halfLifeSec: number;
  estimate: number;
  totalWeight: number;
}

function update(e: Ewma, value: number, weightSec: number): void {
  const alpha = 0.5 ** (weightSec / e.halfLifeSec);
  e.estimate = alpha * e.estimate + (1 - alpha) * value;
  e.totalWeight += weightSec;
}

/** Without this the average starts at 0 and underestimates until enough weight accrues. */
function corrected(e: Ewma): number {
  const zeroFactor = 1 - 0.5 ** (e.totalWeight / e.halfLifeSec);
  return e.estimate / zeroFactor;
}

export class ThroughputEstimator {
  private readonly fast: Ewma;
  private readonly slow: Ewma;
  private samples = 0;

  constructor(config: EstimatorConfig = DEFAULT_ESTIMATOR_CONFIG) {
    this.fast = { halfLifeSec: config.fastHalfLifeSec, estimate: 0, totalWeight: 0 };
    this.slow = { halfLifeSec: config.slowHalfLifeSec, estimate: 0, totalWeight: 0 };
  }

  add(sample: ThroughputSample): void {
    if (sample.bytes <= 0 || !(sample.durationMs >= 0)) return;
    // A download faster than the timer's resolution would give an infinite rate.
    const durationSec = Math.max(sample.durationMs, 1) / 1000;
    const bps = (sample.bytes * 8) / durationSec;
    update(this.fast, bps, durationSec);
    update(this.slow, bps, durationSec);
    this.samples++;
  }

  /** Bits per second, or undefined before the first sample (the caller then starts low). */
  estimate(): number | undefined {
    if (this.samples === 0) return undefined;
    return Math.min(corrected(this.fast), corrected(this.slow));
  }

  get sampleCount(): number {
    return this.samples;
  }
}
