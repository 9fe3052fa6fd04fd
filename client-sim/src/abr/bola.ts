// BOLA: buffer-occupancy based Lyapunov rate choice (Spiteri, Urgaonkar, Sitaraman,
// "BOLA: Near-Optimal Bitrate Adaptation for Online Videos", INFOCOM 2016), in the form
// dash.js's BolaRule uses. Each rung has utility ln(bitrate) shifted so the lowest is 1;
// the rung maximising (V·(utility + γp) − buffer) / bitrate wins. V and γp are set so the
// lowest rung is chosen at `minBufferSec` and the highest once the buffer reaches
// `bufferTargetSec`.

export interface BolaConfig {
  /** dash.js MINIMUM_BUFFER_S */
  minBufferSec: number;
  /** dash.js stableBufferTime, raised to minBufferSec + 2 s per rung as dash.js does */
  bufferTargetSec: number;
}

export const DEFAULT_BOLA_CONFIG: BolaConfig = { minBufferSec: 10, bufferTargetSec: 12 };

export interface BolaParams {
  utilities: number[];
  gp: number;
  vp: number;
  /** Buffer level at which the top rung wins. */
  targetSec: number;
}

export function bolaParams(
  bitrates: readonly number[],
  config: BolaConfig = DEFAULT_BOLA_CONFIG,
): BolaParams {
  const base = Math.log(bitrates[0]!);
  const utilities = bitrates.map((b) => Math.log(b) - base + 1);
  const target = Math.max(config.bufferTargetSec, config.minBufferSec + 2 * bitrates.length);
  const top = utilities[utilities.length - 1]!;
  // A one-rung ladder has nothing to choose; any positive gp keeps the formula finite.
  const gp = top > 1 ? (top - 1) / (target / config.minBufferSec - 1) : 1;
  return { utilities, gp, vp: config.minBufferSec / gp, targetSec: target };
}

/** The rung BOLA's objective prefers at this buffer level (no throughput involved). */
export function bolaBufferIndex(bitrates: readonly number[], bufferSec: number, params: BolaParams): number {
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < bitrates.length; i++) {
    const score = (params.vp * (params.utilities[i]! + params.gp) - bufferSec) / bitrates[i]!;
    if (score >= bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/**
 * BOLA-O (the paper's oscillation guard, as in dash.js): an upward step the throughput
 * cannot sustain is held back to the better of the last rung and the throughput rung.
 */
export function bolaIndex(
  bitrates: readonly number[],
  bufferSec: number,
  lastIndex: number | undefined,
  throughputRungIndex: number,
  params: BolaParams,
): number {
  const wanted = bolaBufferIndex(bitrates, bufferSec, params);
  if (lastIndex === undefined || wanted <= lastIndex) return wanted;
  if (wanted <= throughputRungIndex) return wanted;
  return Math.max(lastIndex, throughputRungIndex);
}

/**
 * The lowest buffer level at which BOLA prefers rung `index` to every lower rung (dash.js
 * minBufferLevelForQuality). Used to size the placeholder buffer when BOLA takes over, so
 * that it continues from the rung the throughput rule reached instead of dropping to the
 * rung the real buffer alone would give (dash.js BOLA startup, "placeholder buffer").
 */
export function minBufferForIndex(bitrates: readonly number[], index: number, params: BolaParams): number {
  const qb = bitrates[index]!;
  const qu = params.utilities[index]!;
  let min = 0;
  for (let i = index - 1; i >= 0; i--) {
    const ib = bitrates[i]!;
    const iu = params.utilities[i]!;
    if (iu < qu) min = Math.max(min, params.vp * (params.gp + (qb * iu - ib * qu) / (qb - ib)));
  }
  return min;
}
