import { seededRandom } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { FleetSetupError } from '../src/fleet/setup-error.js';
import { DEFAULT_NETWORK_MIX, parseNetworkMix, pickPreset } from '../src/network/mix.js';
import { MAX_BPS, MIN_BPS, NETWORK_PRESETS } from '../src/network/profiles.js';
import { TokenBucket } from '../src/network/token-bucket.js';
import { BandwidthSchedule, drawNetwork } from '../src/network/viewer-network.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('access-network presets and mixes', () => {
  it('parses a mix, and names the mistake in a bad one', () => {
    const mix = parseNetworkMix('mobile:25, dsl:20,cable:35,fibre:20');
    expect(mix.map((e) => [e.preset.name, e.share])).toEqual([
      ['mobile', 25],
      ['dsl', 20],
      ['cable', 35],
      ['fibre', 20],
    ]);
    expect(parseNetworkMix('congested').map((e) => e.share)).toEqual([1]);
    const bad = (text: string, re: RegExp) => {
      expect(() => parseNetworkMix(text)).toThrow(FleetSetupError);
      expect(() => parseNetworkMix(text)).toThrow(re);
    };
    bad('modem:10', /unknown network "modem".*mobile, dsl/);
    bad('dsl:x', /NAME:SHARE/);
    bad('dsl:-1', /NAME:SHARE/);
    bad('dsl:1:2', /NAME:SHARE/);
    bad('dsl:1,dsl:2', /twice/);
    bad('dsl:0', /no network with a share above 0/);
    bad('', /no network/);
  });

  it('picks presets by share (seeded)', () => {
    const rand = seededRandom('mix');
    const n = 4000;
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const p = pickPreset(DEFAULT_NETWORK_MIX, rand).name;
      counts[p] = (counts[p] ?? 0) + 1;
    }
    expect(counts['mobile']! / n).toBeGreaterThan(0.2);
    expect(counts['mobile']! / n).toBeLessThan(0.3);
    expect(counts['cable']! / n).toBeGreaterThan(0.3);
    expect(counts['cable']! / n).toBeLessThan(0.4);
    expect(counts['congested']).toBeUndefined();
  });

  it('draws per-viewer bandwidth log-normally around the preset median, clamped', () => {
    const rand = seededRandom('draw');
    for (const preset of Object.values(NETWORK_PRESETS)) {
      const draws = Array.from({ length: 2000 }, () => drawNetwork(preset, rand));
      const m = median(draws.map((d) => d.downBps));
      expect(m).toBeGreaterThan(preset.medianBps * 0.85);
      expect(m).toBeLessThan(preset.medianBps * 1.15);
      expect(draws.every((d) => d.downBps >= MIN_BPS && d.downBps <= MAX_BPS)).toBe(true);
      expect(draws.every((d) => d.rttMs === preset.rttMs && d.profile === preset.name)).toBe(true);
    }
  });

  it('walks the bandwidth in seeded steps around the viewer’s own, the same walk every time', () => {
    const net = drawNetwork(NETWORK_PRESETS['mobile']!, seededRandom('walk'));
    const a = new BandwidthSchedule(net, seededRandom);
    const b = new BandwidthSchedule(net, seededRandom);
    const stepMs = NETWORK_PRESETS['mobile']!.variability!.stepSec * 1000;
    // Asked in a different order, the walk is the same.
    const late = b.bpsAt(200 * stepMs);
    const walk = Array.from({ length: 201 }, (_, i) => a.bpsAt(i * stepMs));
    expect(walk[200]).toBe(late);
    expect(a.bpsAt(stepMs * 3 + 1)).toBe(walk[3]);
    expect(new Set(walk).size).toBeGreaterThan(100);
    // Mean-reverting: the walk's median stays near the viewer's bandwidth.
    expect(median(walk)).toBeGreaterThan(net.downBps * 0.6);
    expect(median(walk)).toBeLessThan(net.downBps * 1.6);
    const fixed = new BandwidthSchedule(
      drawNetwork(NETWORK_PRESETS['fibre']!, seededRandom('f')),
      seededRandom,
    );
    expect(fixed.bpsAt(0)).toBe(fixed.bpsAt(60_000));
  });

  it('outages cut a step to 2 % of its level without changing the walk', () => {
    const base = drawNetwork(NETWORK_PRESETS['mobile']!, seededRandom('outage'));
    const variability = { stepSec: 1, sigma: 0.3 };
    const calm = new BandwidthSchedule(
      { ...base, variability: { ...variability, outageChance: 0 } },
      seededRandom,
    );
    const rough = new BandwidthSchedule(
      { ...base, variability: { ...variability, outageChance: 0.2 } },
      seededRandom,
    );
    let outages = 0;
    for (let i = 0; i < 500; i++) {
      const a = calm.bpsAt(i * 1000);
      const b = rough.bpsAt(i * 1000);
      if (b === a) continue;
      outages++;
      expect(b).toBeCloseTo(Math.max(100_000, a * 0.02), 6);
    }
    // 20 % of 500 steps, within a wide binomial bound
    expect(outages).toBeGreaterThan(60);
    expect(outages).toBeLessThan(140);
  });

  it('token bucket: a burst passes, then the debt is waited off at the rate', () => {
    let t = 0;
    const bucket = new TokenBucket(
      () => 8_000_000,
      16_384,
      () => t,
    );
    expect(bucket.debit(16_384)).toBe(0);
    // 1 MB at 1 MB/s: one second of debt.
    expect(bucket.debit(1_000_000)).toBeCloseTo(1000, 6);
    t += 1000;
    expect(bucket.debit(0)).toBe(0);
    t += 10_000;
    // Idle time refills only up to the burst.
    expect(bucket.debit(16_384 + 1000)).toBeCloseTo(1, 6);
  });
});
