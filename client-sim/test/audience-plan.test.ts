// The audience planner's statistics, on seeded plans, within wide bounds.

import { seededRandom } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { arrivalTimes } from '../src/audience/arrivals.js';
import {
  KS_ABANDON_AFTER_SEC,
  KS_ABANDON_PER_SEC,
  MIN_WATCH_SEC,
  planAudience,
} from '../src/audience/plan.js';
import { audienceSettings } from '../src/audience/settings.js';
import { rankTitles, ZipfPicker } from '../src/audience/zipf.js';
import { FleetSetupError } from '../src/fleet/setup-error.js';
import { parseNetworkMix } from '../src/network/mix.js';

const titleIds = Array.from({ length: 20 }, (_, i) => `t${i + 1}`);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('audience plan', () => {
  const N = 3000;
  const plan = planAudience({
    sessions: N,
    durationSec: 120,
    rampSec: 30,
    titleIds,
    settings: { seed: 's1' },
  });

  it('is the same for the same seed, and another for another seed', () => {
    const again = planAudience({
      sessions: N,
      durationSec: 120,
      rampSec: 30,
      titleIds,
      settings: { seed: 's1' },
    });
    expect(again).toEqual(plan);
    const other = planAudience({
      sessions: N,
      durationSec: 120,
      rampSec: 30,
      titleIds,
      settings: { seed: 's2' },
    });
    expect(other.map((p) => p.startSec)).not.toEqual(plan.map((p) => p.startSec));
    expect(plan.map((p) => p.index)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('arrivals: Poisson with the rate ramping up 3×, all within the ramp, ascending', () => {
    const t = plan.map((p) => p.startSec);
    expect(t.every((x, i) => x >= 0 && x <= 30 && (i === 0 || x >= t[i - 1]!))).toBe(true);
    // λ(t) ∝ 1 + 2t/T: a share 0.375 arrives in the first half of the ramp.
    const firstHalf = t.filter((x) => x < 15).length / N;
    expect(firstHalf).toBeGreaterThan(0.32);
    expect(firstHalf).toBeLessThan(0.43);
    // Gaps look exponential: their coefficient of variation is near 1, not near 0 (even).
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    const m = mean(gaps);
    const cv = Math.sqrt(mean(gaps.map((g) => (g - m) ** 2))) / m;
    expect(cv).toBeGreaterThan(0.7);
    const even = arrivalTimes(10, 5, 'even', 3, seededRandom(1));
    expect(even).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
  });

  it('titles: Zipf, the most popular first', () => {
    const zipf = new ZipfPicker(titleIds.length, 0.9);
    const share = (id: string) => plan.filter((p) => p.titleId === id).length / N;
    expect(share('t1')).toBeGreaterThan(zipf.probability(0) - 0.04);
    expect(share('t1')).toBeLessThan(zipf.probability(0) + 0.04);
    expect(share('t1')).toBeGreaterThan(share('t2'));
    expect(share('t2')).toBeGreaterThan(share('t10'));
    expect(share('t20')).toBeGreaterThan(0);
    // Exponent 0 is uniform.
    const flat = new ZipfPicker(4, 0);
    expect([0, 1, 2, 3].map((r) => flat.probability(r))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('ranks titles by catalog popularity when it has any, else keeps their order', () => {
    const t = (id: string, pop?: number) =>
      ({ id, streams: [{ popularity: pop }] }) as unknown as Parameters<typeof rankTitles>[0][number];
    expect(rankTitles([t('a'), t('b'), t('c')])).toEqual(['a', 'b', 'c']);
    expect(rankTitles([t('a', 1), t('b', 5), t('c', 5)])).toEqual(['b', 'c', 'a']);
  });

  it('networks by the default mix; watch time with 1.5 × the run as its mean, half past the run', () => {
    const share = (n: string) => plan.filter((p) => p.network?.profile === n).length / N;
    expect(share('mobile')).toBeGreaterThan(0.2);
    expect(share('mobile')).toBeLessThan(0.3);
    expect(share('fibre')).toBeGreaterThan(0.15);
    expect(share('fibre')).toBeLessThan(0.25);
    const watch = plan.map((p) => p.watchSec);
    expect(watch.every((w) => w >= MIN_WATCH_SEC)).toBe(true);
    expect(mean(watch)).toBeGreaterThan(180 * 0.8);
    expect(mean(watch)).toBeLessThan(180 * 1.2);
    // Log-normal, σ 0.8, mean 180 s: P(W > 120 s) ≈ 0.54.
    const past = watch.filter((w) => w > 120).length / N;
    expect(past).toBeGreaterThan(0.45);
    expect(past).toBeLessThan(0.63);
  });

  it('patience after Krishnan & Sitaraman; resumes; seeks within the watched time', () => {
    const patience = plan.map((p) => p.startupPatienceSec!);
    const hi = KS_ABANDON_AFTER_SEC + 1 / KS_ABANDON_PER_SEC;
    expect(patience.every((x) => x >= KS_ABANDON_AFTER_SEC && x <= hi + 0.001)).toBe(true);
    // A startup of 5 s loses about 3 × 5.8 % of viewers.
    const lost = patience.filter((x) => x < 5).length / N;
    expect(lost).toBeGreaterThan(0.12);
    expect(lost).toBeLessThan(0.23);
    expect(plan.every((p) => p.stallPatienceSec! >= 10 && p.stallPatienceSec! <= 40)).toBe(true);
    const resumed = plan.filter((p) => p.startFraction > 0);
    expect(resumed.length / N).toBeGreaterThan(0.15);
    expect(resumed.length / N).toBeLessThan(0.25);
    expect(resumed.every((p) => p.startFraction >= 0.1 && p.startFraction <= 0.9)).toBe(true);
    // 0.3 seeks a minute over up to 2 minutes watched.
    const seeks = plan.flatMap((p) => p.seeks.map((s) => ({ ...s, watch: Math.min(p.watchSec, 120) })));
    expect(seeks.every((s) => s.atSec < s.watch && s.toFraction >= 0 && s.toFraction < 1)).toBe(true);
    const watchedMin = plan.reduce((s, p) => s + Math.min(p.watchSec, 120), 0) / 60;
    expect(seeks.length / watchedMin).toBeGreaterThan(0.2);
    expect(seeks.length / watchedMin).toBeLessThan(0.4);
  });

  it('switches: even arrivals, no shaping, no abandonment, no seeks', () => {
    const p = planAudience({
      sessions: 4,
      durationSec: 60,
      rampSec: 4,
      titleIds,
      settings: {
        arrivals: 'even',
        networks: null,
        startupAbandon: false,
        stallPatienceSec: undefined,
        seeksPerMin: 0,
        resumeShare: 0,
      },
    });
    expect(p.map((x) => x.startSec)).toEqual([0, 1, 2, 3]);
    expect(p.every((x) => x.network === undefined && x.startupPatienceSec === undefined)).toBe(true);
    expect(
      p.every((x) => x.stallPatienceSec === undefined && x.seeks.length === 0 && x.startFraction === 0),
    ).toBe(true);
    expect(
      planAudience({
        sessions: 50,
        durationSec: 60,
        rampSec: 4,
        titleIds,
        settings: { networks: parseNetworkMix('dsl') },
      }).every((x) => x.network?.profile === 'dsl'),
    ).toBe(true);
  });

  it('refuses bad settings with a usage error naming the flag', () => {
    const bad = (s: Parameters<typeof audienceSettings>[0], re: RegExp) => {
      expect(() => audienceSettings(s)).toThrow(FleetSetupError);
      expect(() => audienceSettings(s)).toThrow(re);
    };
    bad({ arrivals: 'burst' as 'even' }, /--arrivals/);
    bad({ zipf: -1 }, /--zipf/);
    bad({ zipf: Number.NaN }, /--zipf/);
    bad({ watchMeanSec: 0 }, /--watch-mean/);
    bad({ resumeShare: 2 }, /--resume/);
    bad({ seeksPerMin: -1 }, /--seeks-per-min/);
    bad({ rampFactor: 0 }, /--ramp-factor/);
  });
});
