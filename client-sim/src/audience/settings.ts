// What an audience is made of, with the defaults `ferry sim`, `ferry demo` and the
// failover benchmark use. Every knob is checked here, with a usage error naming the flag.
import { FleetSetupError } from '../fleet/setup-error.js';
import { DEFAULT_NETWORK_MIX, type NetworkMix } from '../network/mix.js';
import type { ArrivalModel } from './arrivals.js';

export interface AudienceSettings {
  arrivals: ArrivalModel;
  /** how many times the arrival rate grows over the ramp (poisson only); 1: constant */
  rampFactor: number;
  /** Zipf exponent of title choice */
  zipf: number;
  /** mean watch time, seconds (log-normal, sigma `watchSigma`); default 1.5 × the run's duration */
  watchMeanSec?: number;
  watchSigma: number;
  /** share of viewers that resume mid-title (start at 10–90 % of it) */
  resumeShare: number;
  /** seeks per minute of watching (a Poisson process) */
  seeksPerMin: number;
  /** abandon slow startups (Krishnan & Sitaraman 2012) */
  startupAbandon: boolean;
  /** give up on one stall longer than a per-viewer patience of `stallPatienceSec` (min, max) */
  stallPatienceSec: readonly [number, number] | undefined;
  /** access networks by share; null: no shaping (loopback speed, no RTT) */
  networks: NetworkMix | null;
  seed: number | string;
}

export const DEFAULT_AUDIENCE: AudienceSettings = {
  arrivals: 'poisson',
  rampFactor: 3,
  zipf: 0.9,
  watchSigma: 0.8,
  resumeShare: 0.2,
  seeksPerMin: 0.3,
  startupAbandon: true,
  stallPatienceSec: [10, 40],
  networks: DEFAULT_NETWORK_MIX,
  seed: 'ferry',
};

const usage = (message: string) => new FleetSetupError('FERRY_ERR_SIM_USAGE', message);

function check(ok: boolean, message: string): void {
  if (!ok) throw usage(message);
}

/** Settings with defaults filled in, each value checked. */
export function audienceSettings(partial: Partial<AudienceSettings> = {}): AudienceSettings {
  const s: AudienceSettings = { ...DEFAULT_AUDIENCE, ...partial };
  check(
    s.arrivals === 'poisson' || s.arrivals === 'even',
    `--arrivals must be poisson or even, got "${s.arrivals}"`,
  );
  check(
    Number.isFinite(s.rampFactor) && s.rampFactor > 0,
    `--ramp-factor must be a number > 0, got ${s.rampFactor}`,
  );
  check(
    Number.isFinite(s.zipf) && s.zipf >= 0 && s.zipf <= 5,
    `--zipf must be a number in [0, 5], got ${s.zipf}`,
  );
  check(
    s.watchMeanSec === undefined || (Number.isFinite(s.watchMeanSec) && s.watchMeanSec > 0),
    `--watch-mean must be a number of seconds > 0, got ${s.watchMeanSec}`,
  );
  check(Number.isFinite(s.watchSigma) && s.watchSigma >= 0, `watch sigma must be >= 0, got ${s.watchSigma}`);
  check(
    Number.isFinite(s.resumeShare) && s.resumeShare >= 0 && s.resumeShare <= 1,
    `--resume must be a share in [0, 1], got ${s.resumeShare}`,
  );
  check(
    Number.isFinite(s.seeksPerMin) && s.seeksPerMin >= 0 && s.seeksPerMin <= 60,
    `--seeks-per-min must be a number in [0, 60], got ${s.seeksPerMin}`,
  );
  if (s.stallPatienceSec) {
    const [lo, hi] = s.stallPatienceSec;
    check(lo > 0 && hi >= lo, `stall patience must be 0 < min <= max, got ${lo}, ${hi}`);
  }
  return s;
}
