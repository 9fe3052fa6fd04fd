// The audience of one run, planned once before it starts (pure, seeded): for each viewer
// its start time, title, access network, watch time, patience, start position and seeks.
// Worker threads each run their share of this one plan (fleet-threads.ts), so a run with
// one seed is the same audience however many threads play it.
//
// Startup abandonment follows Krishnan & Sitaraman, "Video Stream Quality Impacts Viewer
// Behavior" (IMC 2012): viewers begin to abandon once startup passes 2 s, and each further
// second loses about 5.8 % more of them — read here as a startup patience drawn uniformly
// between 2 s and 2 + 1/0.058 ≈ 19.2 s. The stall patience and the watch-time spread are
// our choices, not measurements.
import { seededRandom } from '@ferry/protocol';
import { pickPreset } from '../network/mix.js';
import { exponential, logNormal, type Uniform } from '../network/random.js';
import { drawNetwork, type ViewerNetwork } from '../network/viewer-network.js';
import type { PlannedSeek } from '../player/session.js';
import { arrivalTimes } from './arrivals.js';
import { type AudienceSettings, audienceSettings } from './settings.js';
import { ZipfPicker } from './zipf.js';

export interface ViewerPlan {
  /** 0-based; the session id is `s${index + 1}` */
  index: number;
  /** seconds from the run's start */
  startSec: number;
  titleId: string;
  /** absent: the viewer's link is not shaped */
  network?: ViewerNetwork;
  /** how long this viewer means to watch (may be longer than the run) */
  watchSec: number;
  /** undefined: never gives up on startup */
  startupPatienceSec?: number;
  stallPatienceSec?: number;
  /** where in the title it starts, 0 … 1 */
  startFraction: number;
  seeks: PlannedSeek[];
}

export interface PlanInput {
  sessions: number;
  durationSec: number;
  rampSec: number;
  /** most popular first (rankTitles) */
  titleIds: readonly string[];
  settings?: Partial<AudienceSettings>;
}

export const KS_ABANDON_AFTER_SEC = 2;
export const KS_ABANDON_PER_SEC = 0.058;
/** The shortest watch time drawn: a viewer that leaves sooner never saw much. */
export const MIN_WATCH_SEC = 5;

export function planAudience(input: PlanInput): ViewerPlan[] {
  const s = audienceSettings(input.settings);
  // One stream of randomness per concern, so changing e.g. the network mix does not
  // reshuffle arrivals or titles.
  const stream = (name: string): Uniform => seededRandom(`${s.seed}:${name}`);
  const arrivals = arrivalTimes(input.sessions, input.rampSec, s.arrivals, s.rampFactor, stream('arrivals'));
  const titles = new ZipfPicker(input.titleIds.length, s.zipf);
  const rTitle = stream('titles');
  const rNet = stream('networks');
  const rWatch = stream('watch');
  const rPatience = stream('patience');
  const rStart = stream('start');
  const rSeek = stream('seeks');
  // Default 1.5 × the run: about half the viewers mean to stay past its end, so most are
  // still there when something happens mid-run, and some leave on their own before.
  const watchMean = s.watchMeanSec ?? 1.5 * input.durationSec;
  // Log-normal with this mean: median = mean / e^(σ²/2).
  const watchMedian = watchMean / Math.exp((s.watchSigma * s.watchSigma) / 2);
  const plans: ViewerPlan[] = [];
  for (let i = 0; i < input.sessions; i++) {
    const watchSec = Math.max(MIN_WATCH_SEC, logNormal(rWatch, watchMedian, s.watchSigma));
    const startupPatience = KS_ABANDON_AFTER_SEC + rPatience() / KS_ABANDON_PER_SEC;
    const stallPatience = s.stallPatienceSec
      ? s.stallPatienceSec[0] + rPatience() * (s.stallPatienceSec[1] - s.stallPatienceSec[0])
      : undefined;
    const resumes = rStart() < s.resumeShare;
    const startFraction = resumes ? 0.1 + 0.8 * rStart() : 0;
    const seeks: PlannedSeek[] = [];
    if (s.seeksPerMin > 0) {
      const watched = Math.min(watchSec, input.durationSec);
      // Bounded: at most one seek per 2 s of watching.
      for (let t = exponential(rSeek, 60 / s.seeksPerMin); t < watched && seeks.length < watched / 2; ) {
        seeks.push({ atSec: Math.round(t * 1000) / 1000, toFraction: rSeek() });
        t += exponential(rSeek, 60 / s.seeksPerMin);
      }
    }
    plans.push({
      index: i,
      startSec: arrivals[i]!,
      titleId: input.titleIds[titles.pick(rTitle)]!,
      ...(s.networks ? { network: drawNetwork(pickPreset(s.networks, rNet), rNet) } : {}),
      watchSec: Math.round(watchSec * 1000) / 1000,
      ...(s.startupAbandon ? { startupPatienceSec: Math.round(startupPatience * 1000) / 1000 } : {}),
      ...(stallPatience !== undefined ? { stallPatienceSec: Math.round(stallPatience * 1000) / 1000 } : {}),
      startFraction,
      seeks,
    });
  }
  return plans;
}
