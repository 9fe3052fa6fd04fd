// Access-network presets: the downstream bandwidth a viewer gets (log-normal around a
// median), its round-trip time, and how much the bandwidth wanders over time.
//
// Sources, and what was taken from them: the medians and RTTs below are figures we chose,
// rounded, as representative of each access technology in
//   - FCC, Twelfth Measuring Broadband America Fixed Broadband Report (2022; data of
//     Sept–Oct 2021): DSL tiers well under 25 Mb/s, cable and fibre tiers of 100 Mb/s and
//     more, idle latency roughly 10–30 ms by technology (DSL highest, fibre lowest);
//   - Ookla, Speedtest Global Index (2024): median mobile download tens of Mb/s, with a
//     wide spread between busy and idle cells, and mobile latency of several tens of ms.
// We placed the mobile and DSL medians at the slow end of those reports on purpose, so
// that against Ferry's synthetic ladder (235 kb/s … 16 Mb/s) they land on the middle
// rungs; the log-normal spreads (sigma) are ours, not the reports'.

export interface NetworkPreset {
  name: string;
  /** median downstream bandwidth, bits per second */
  medianBps: number;
  /** log-normal sigma of the per-viewer draw (0: every viewer gets the median) */
  sigma: number;
  /** round-trip time in ms, added before each request's first byte */
  rttMs: number;
  /** bandwidth random walk over time; absent: constant */
  variability?: Variability;
}

export interface Variability {
  /** how long each bandwidth level holds, seconds */
  stepSec: number;
  /** log-normal sigma of each step's move */
  sigma: number;
  /**
   * Chance that a step is an outage (a tunnel, a cell hand-over): the link carries 2 % of its
   * level for that step. Mobile throughput traces show such near-zero stretches of seconds
   * (Riiser et al., "Commute Path Bandwidth Traces from 3G Networks", ACM MMSys 2013).
   */
  outageChance?: number;
}

const MBPS = 1_000_000;

export const NETWORK_PRESETS: Readonly<Record<string, NetworkPreset>> = {
  mobile: {
    name: 'mobile',
    medianBps: 8 * MBPS,
    sigma: 0.8,
    rttMs: 50,
    variability: { stepSec: 4, sigma: 0.6, outageChance: 0.04 },
  },
  dsl: { name: 'dsl', medianBps: 10 * MBPS, sigma: 0.5, rttMs: 25, variability: { stepSec: 10, sigma: 0.1 } },
  cable: { name: 'cable', medianBps: 100 * MBPS, sigma: 0.6, rttMs: 15 },
  fibre: { name: 'fibre', medianBps: 300 * MBPS, sigma: 0.4, rttMs: 8 },
  /** an evening-peak shared link: for stress runs, not in the default mix */
  congested: {
    name: 'congested',
    medianBps: 3 * MBPS,
    sigma: 0.5,
    rttMs: 60,
    variability: { stepSec: 3, sigma: 0.4, outageChance: 0.05 },
  },
};

export function presetNames(): string[] {
  return Object.keys(NETWORK_PRESETS);
}

/** Draws are clamped here: below 100 kb/s nothing plays, above 1 Gb/s loopback is the limit. */
export const MIN_BPS = 100_000;
export const MAX_BPS = 1_000 * MBPS;

export function clampBps(bps: number): number {
  return Math.min(MAX_BPS, Math.max(MIN_BPS, bps));
}
