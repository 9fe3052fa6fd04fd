// TCP MD5 signatures (RFC 2385) against BIRD 2 with `password`, both ways: BIRD connecting to
// the appliance's listener (key on the listening socket) and the appliance connecting to
// BIRD (key on a natively made socket before connect()). The right key establishes; a wrong
// one never does, the kernel drops the unsigned or mis-signed segments, and nothing crashes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from './support/appliance-process.js';
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

describe('TCP MD5 without the native addon', () => {
  it('a neighbor password is a start error, never an unauthenticated session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-md5-'));
    try {
      const config = join(dir, 'bgp.json');
      const neighbors = [{ address: BIRD_ADDR, peerAsn: 65002, password: PASSWORD }];
      writeFileSync(config, JSON.stringify({ listen: `${FERRY_ADDR}:0`, asn: 65010, neighbors }));
      const args = ['appliance', '--id', 'md5', '--listen', '127.0.0.1:0', '--store', join(dir, 'store')];
      const child = spawn(process.execPath, [CLI, ...args, '--open', '--bgp-config', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, FERRY_SENDFILE_ADDON: join(dir, 'no-such-addon.node') },
      });
      let err = '';
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
      clearTimeout(timer);
      expect(code).not.toBe(0);
      expect(err).toContain('FERRY_ERR_BGP_CONFIG');
      expect(err).toContain('password');
      expect(err).not.toContain('serving on');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
