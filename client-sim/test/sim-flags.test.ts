// `ferry sim`'s audience flags: each mistake is a usage error naming the flag, raised
// before control is contacted (the control URL here is a port nobody listens on).
import { describe, expect, it } from 'vitest';
import { audienceFromFlags, runSim } from '../src/fleet/cli.js';
import { FleetSetupError } from '../src/fleet/setup-error.js';

const base = { control: 'http://127.0.0.1:9', sessions: 2, duration: 5, titles: 't0001' };

describe('ferry sim audience flags', () => {
  it('turns flags into planner settings', () => {
    const a = audienceFromFlags({
      ...base,
      networks: 'dsl:3,fibre:1',
      arrivals: 'even',
      zipf: '1.1',
      watchMean: '90',
      resume: '0',
      seeksPerMin: '0',
      abandon: false,
      seed: 'x',
    });
    expect(a.networks?.map((e) => [e.preset.name, e.share])).toEqual([
      ['dsl', 3],
      ['fibre', 1],
    ]);
    expect(a).toMatchObject({
      arrivals: 'even',
      zipf: 1.1,
      watchMeanSec: 90,
      resumeShare: 0,
      seeksPerMin: 0,
      startupAbandon: false,
      stallPatienceSec: undefined,
      seed: 'x',
    });
    expect(audienceFromFlags({ ...base, networks: 'none' }).networks).toBeNull();
    expect(audienceFromFlags(base)).toEqual({});
  });

  it.each([
    [{ networks: 'modem:1' }, /--networks: unknown network "modem"/],
    [{ arrivals: 'burst' }, /--arrivals must be poisson or even/],
    [{ zipf: 'x' }, /--zipf/],
    [{ zipf: '9' }, /--zipf must be a number in \[0, 5\]/],
    [{ watchMean: '0' }, /--watch-mean/],
    [{ resume: '1.5' }, /--resume/],
    [{ seeksPerMin: '-1' }, /--seeks-per-min/],
    [{ rampFactor: '0' }, /--ramp-factor/],
    [{ seed: ' ' }, /--seed/],
  ])('refuses %o', async (flags, re) => {
    const run = runSim({ ...base, ...flags }, { handleSignals: false });
    await expect(run).rejects.toThrow(FleetSetupError);
    await expect(runSim({ ...base, ...flags }, { handleSignals: false })).rejects.toThrow(re);
  });
});
