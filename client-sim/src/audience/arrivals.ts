// When viewers arrive. `poisson`: a Poisson process whose rate ramps linearly from
// `rate0` to `rampFactor × rate0` over the ramp — given the number of viewers, the arrival
// times of such a process are independent draws from the density ∝ λ(t), taken here by
// inverting its CDF, then sorted. `even`: the old evenly spaced starts.
import type { Uniform } from '../network/random.js';

export type ArrivalModel = 'poisson' | 'even';

/** Arrival times in seconds from the run's start, ascending, all within [0, rampSec]. */
export function arrivalTimes(
  n: number,
  rampSec: number,
  model: ArrivalModel,
  rampFactor: number,
  rand: Uniform,
): number[] {
  if (model === 'even' || rampSec <= 0) return Array.from({ length: n }, (_, i) => (rampSec * i) / n);
  // λ(t) = 1 + (k - 1) t / T, so F(t) ∝ t + (k - 1) t² / 2T; solve F(t) = u·F(T).
  const k = rampFactor;
  const T = rampSec;
  const total = T + ((k - 1) * T) / 2;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const target = rand() * total;
    const t = k === 1 ? target : (-1 + Math.sqrt(1 + (2 * (k - 1) * target) / T)) / ((k - 1) / T);
    out.push(Math.min(T, Math.max(0, t)));
  }
  return out.sort((a, b) => a - b);
}
