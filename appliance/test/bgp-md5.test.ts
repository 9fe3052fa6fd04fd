// TCP MD5 signatures (RFC 2385) against BIRD 2 with `password`, both ways: BIRD connecting to
// the appliance's listener (key on the listening socket) and the appliance connecting to
// BIRD (key on a natively made socket before connect()). The right key establishes; a wrong
// one never does, the kernel drops the unsigned or mis-signed segments, and nothing crashes.
import { eventually } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { type BirdRig, bothEstablished, prefixes, startBirdRig } from './support/bgp-bird-rig.js';

const BIRD_ADDR = '127.0.0.145';
const FERRY_ADDR = '127.0.0.146';
const ROUTES4 = ['10.45.0.0/16', '10.46.0.0/16'];
const PASSWORD = 'isp-session-k3y';

let rig: BirdRig | undefined;
afterEach(async () => {
  const r = rig;
  rig = undefined;
  await r?.stop();
});

async function start(birdPassive: boolean, ours: string, theirs: string): Promise<BirdRig> {
  rig = await startBirdRig({
    birdAddress: BIRD_ADDR,
    ferryAddress: FERRY_ADDR,
    birdPassive,
    routes4: ROUTES4,
    birdOptions: [`password "${theirs}";`],
    neighbor: { password: ours },
  });
  return rig;
}

/** Neither side reaches Established for `ms`; the speaker keeps answering. */
async function neverEstablishes(r: BirdRig, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; i < 1000 && Date.now() < until; i++) {
    expect(r.speaker.status()[0]!.state).not.toBe('Established');
    expect(await r.bird.sessionInfo()).not.toBe('Established');
    await new Promise((res) => setTimeout(res, 250));
  }
  expect(r.rib.size()).toBe(0);
}

describe('TCP MD5 with BIRD 2', () => {
  it('BIRD connects to the appliance: the right password establishes and routes arrive', async () => {
    const r = await start(false, PASSWORD, PASSWORD);
    await bothEstablished(r);
    await eventually(() => r.rib.size() === 2, { what: 'routes', timeoutMs: 15_000, intervalMs: 50 });
    expect(prefixes(r.rib)).toEqual(ROUTES4);
  });

  it('the appliance connects to BIRD: the right password establishes and routes arrive', async () => {
    const r = await start(true, PASSWORD, PASSWORD);
    await bothEstablished(r);
    await eventually(() => r.rib.size() === 2, { what: 'routes', timeoutMs: 15_000, intervalMs: 50 });
  });

  it('BIRD connects with a wrong password: no session', async () => {
    const r = await start(false, PASSWORD, 'not-the-key');
    await neverEstablishes(r, 6000);
  });

  it('the appliance connects with a wrong password: no session, retries go on without a crash', async () => {
    const r = await start(true, 'not-the-key', PASSWORD);
    await neverEstablishes(r, 6000);
    // It kept trying (Connect/Active, not stuck in an error).
    expect(['Connect', 'Active']).toContain(r.speaker.status()[0]!.state);
  });

  it('BIRD with a password, the appliance without: no session', async () => {
    rig = await startBirdRig({
      birdAddress: BIRD_ADDR,
      ferryAddress: FERRY_ADDR,
      routes4: ROUTES4,
      birdOptions: [`password "${PASSWORD}";`],
    });
    await neverEstablishes(rig, 5000);
  });
});
