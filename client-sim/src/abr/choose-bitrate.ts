// The dynamic strategy of dash.js (ABR_STRATEGY_DYNAMIC): throughput rule while the buffer
// is low, where a wrong guess costs a stall, and BOLA once it is healthy, where BOLA
// keeps quality steady. The switch has hysteresis, as in dash.js: BOLA turns on above
// stableBufferTime (12 s) and off only below half of it, so a buffer hovering near one
// threshold does not flip rules every segment.

import { type BolaConfig, bolaIndex, bolaParams, DEFAULT_BOLA_CONFIG, minBufferForIndex } from './bola.js';
import { DEFAULT_SAFETY_FACTOR, throughputIndex } from './throughput-rule.js';

export interface AbrConfig {
  safetyFactor: number;
  bola: BolaConfig;
  bolaOnAboveSec: number;
  bolaOffBelowSec: number;
}

export const DEFAULT_ABR_CONFIG: AbrConfig = {
  safetyFactor: DEFAULT_SAFETY_FACTOR,
  bola: DEFAULT_BOLA_CONFIG,
  bolaOnAboveSec: 12,
  bolaOffBelowSec: 6,
};

export interface AbrState {
  /** Ascending bitrates of the rungs, bits per second. */
  bitrates: readonly number[];
  bufferSec: number;
  /** From the estimator; undefined before the first download. */
  throughputBps: number | undefined;
  /** Rung of the previous segment, undefined for the first. */
  lastIndex: number | undefined;
  /** Which rule the previous decision used (the hysteresis memory). */
  usingBola: boolean;
  /** BOLA's virtual extra buffer from the previous decision (0 when not using BOLA). */
  placeholderSec: number;
  config?: AbrConfig;
}

export type AbrRule = 'throughput' | 'bola';

export interface AbrDecision {
  index: number;
  rule: AbrRule;
  reason: string;
  /** Carry into the next AbrState. */
  usingBola: boolean;
  /** Carry into the next AbrState. */
  placeholderSec: number;
}

function kbps(bps: number | undefined): string {
  return bps === undefined ? 'none' : `${Math.round(bps / 1000)}k`;
}

export function chooseBitrate(state: AbrState): AbrDecision {
  const config = state.config ?? DEFAULT_ABR_CONFIG;
  const { bitrates, bufferSec, throughputBps, lastIndex } = state;
  if (bitrates.length === 0) throw new RangeError('chooseBitrate needs at least one bitrate');
  const usingBola = state.usingBola ? bufferSec >= config.bolaOffBelowSec : bufferSec > config.bolaOnAboveSec;
  const tIndex = throughputIndex(bitrates, throughputBps, config.safetyFactor);
  if (!usingBola) {
    const reason =
      throughputBps === undefined
        ? 'no throughput sample yet: start at the lowest rung'
        : `buffer ${bufferSec.toFixed(1)}s: highest rung under ${config.safetyFactor}×${kbps(throughputBps)}bps`;
    return { index: tIndex, rule: 'throughput', reason, usingBola, placeholderSec: 0 };
  }
  const params = bolaParams(bitrates, config.bola);
  // The extra millisecond puts the level strictly inside the last rung's region (at the
  // exact boundary rounding can tip the choice one rung down).
  let placeholder = state.usingBola
    ? state.placeholderSec
    : Math.max(0, minBufferForIndex(bitrates, lastIndex ?? 0, params) + 0.001 - bufferSec);
  // The placeholder only shrinks: once real buffer plus placeholder passes the level where
  // the top rung wins, the surplus is cut (dash.js trims it the same way), so BOLA ends up
  // driven by the real buffer alone.
  placeholder = Math.min(placeholder, Math.max(0, params.targetSec - bufferSec));
  const index = bolaIndex(bitrates, bufferSec + placeholder, lastIndex, tIndex, params);
  return {
    index,
    rule: 'bola',
    reason: `buffer ${bufferSec.toFixed(1)}s (+${placeholder.toFixed(1)}s placeholder): BOLA utility, throughput ${kbps(throughputBps)}bps`,
    usingBola,
    placeholderSec: placeholder,
  };
}
