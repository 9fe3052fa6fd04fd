// One viewer's access network, drawn from a preset: its own bandwidth (log-normal around
// the preset's median) and, when the preset varies, a seeded piecewise-constant random walk
// around that bandwidth (mean-reverting, so a long run does not drift off).
import type { NetworkInfo } from '../player/qoe.js';
import { clampBps, type NetworkPreset, type Variability } from './profiles.js';
import { logNormal, normal, type Uniform } from './random.js';

export interface ViewerNetwork {
  profile: string;
  downBps: number;
  rttMs: number;
  variability?: Variability;
  /** seed of the random walk, so each worker thread replays the same walk */
  walkSeed: number;
}

export function drawNetwork(preset: NetworkPreset, rand: Uniform): ViewerNetwork {
  return {
    profile: preset.name,
    downBps: Math.round(clampBps(logNormal(rand, preset.medianBps, preset.sigma))),
    rttMs: preset.rttMs,
    ...(preset.variability ? { variability: preset.variability } : {}),
    walkSeed: Math.floor(rand() * 2 ** 32),
  };
}

export function networkInfo(n: ViewerNetwork): NetworkInfo {
  return { profile: n.profile, downBps: n.downBps, rttMs: n.rttMs };
}

/** What an outage step leaves of the link. */
const OUTAGE_SHARE = 0.02;

/** Bandwidth over time for one viewer: `bpsAt(ms since session start)`. */
export class BandwidthSchedule {
  private readonly levels: number[] = [];
  private readonly outages: boolean[] = [];
  private readonly rand: Uniform;

  constructor(
    private readonly net: ViewerNetwork,
    makeRandom: (seed: number) => Uniform,
  ) {
    this.rand = makeRandom(net.walkSeed);
  }

  bpsAt(ms: number): number {
    const v = this.net.variability;
    if (!v) return this.net.downBps;
    const step = Math.max(0, Math.floor(ms / (v.stepSec * 1000)));
    // Steps are drawn in order and kept, so the walk is the same whatever times are asked.
    while (this.levels.length <= step) {
      const prev = this.levels.length === 0 ? this.net.downBps : this.levels[this.levels.length - 1]!;
      // Half-way back towards the viewer's own bandwidth in log space, then a random move.
      const logMean = (Math.log(prev) + Math.log(this.net.downBps)) / 2;
      this.levels.push(clampBps(Math.exp(logMean + v.sigma * normal(this.rand))));
      // Drawn every step (outage or not), so the walk above is the same with or without them.
      this.outages.push(this.rand() < (v.outageChance ?? 0));
    }
    const level = this.levels[step]!;
    return this.outages[step] ? clampBps(level * OUTAGE_SHARE) : level;
  }
}
