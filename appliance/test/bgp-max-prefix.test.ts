// Max-prefix against BIRD 2 (RFC 4486): near the limit a warning (once); past it the appliance
// sends Cease / Maximum Number of Prefixes Reached with AFI, SAFI and the bound, drops the
// peer's routes, and refuses the peer for the hold-down before taking it again.
import { eventually } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import type { State } from '../src/bgp/session/fsm-types.js';
import { type BirdRig, bothEstablished, startBirdRig } from './support/bgp-bird-rig.js';

const BIRD_ADDR = '127.0.0.143';
const FERRY_ADDR = '127.0.0.144';
const routes = (n: number) => Array.from({ length: n }, (_, i) => `10.44.${i}.0/24`);

let rig: BirdRig | undefined;
afterEach(async () => {
  const r = rig;
  rig = undefined;
  await r?.stop();
});

describe('max-prefix with BIRD 2', () => {
  it('warns at the threshold, sends Cease 6/1 past the limit, drops the routes, holds the peer down', async () => {
    const events: { what: string; afi: number; count: number; limit: number }[] = [];
    const states: { state: State; at: number }[] = [];
    const r = await startBirdRig({
      birdAddress: BIRD_ADDR,
      ferryAddress: FERRY_ADDR,
      routes4: routes(4),
      neighbor: { maxPrefixes: { limit: 5, warnPercent: 80, restartSec: 6 } },
      speaker: {
        onMaxPrefix: (_peer, what, afi, count, limit) => events.push({ what, afi, count, limit }),
        onState: (_peer, state) => states.push({ state, at: Date.now() }),
      },
    });
    rig = r;
    await bothEstablished(r);
    await eventually(() => r.rib.size() === 4, { what: 'four routes', timeoutMs: 15_000, intervalMs: 50 });
    expect(events).toEqual([{ what: 'warning', afi: 1, count: 4, limit: 5 }]);

    await r.bird.setRoutes({ routes4: routes(7) });
    await eventually(() => events.some((e) => e.what === 'exceeded'), {
      what: 'limit exceeded',
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    const ceasedAt = Date.now();
    await eventually(() => r.rib.size() === 0, { what: 'routes dropped', timeoutMs: 5000, intervalMs: 20 });
    expect(r.downs.map((d) => d.graceful)).toEqual([false]);
    expect(r.speaker.status()[0]!.state).toBe('Idle');
    expect(r.speaker.status()[0]!.lastError).toContain('6/1');

    // BIRD says what it received: Cease, Maximum number of prefixes reached.
    const shown = await eventually(
      async () => {
        const out = await r.bird.birdc('show', 'protocols', 'all', r.bird.protocol);
        return /Maximum number of prefixes reached/i.test(out) ? out : false;
      },
      { what: 'BIRD reports the cease', timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(shown).toMatch(/Received: Maximum number of prefixes reached/);

    // BIRD retries every second or two; the appliance takes none of it during the hold-down.
    await new Promise((res) => setTimeout(res, 3000));
    expect(r.rib.size()).toBe(0);
    expect(states.filter((s) => s.at > ceasedAt && s.state === 'OpenSent')).toEqual([]);
    // After it, the peer is taken again (and, still over the limit, ceased again).
    await eventually(() => states.some((s) => s.at > ceasedAt && s.state === 'Established'), {
      what: 'session back after the hold-down',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const back = states.find((s) => s.at > ceasedAt && s.state === 'Established')!;
    expect(back.at - ceasedAt).toBeGreaterThanOrEqual(5500);
    await eventually(() => events.filter((e) => e.what === 'exceeded').length === 2, {
      what: 'second cease',
      timeoutMs: 15_000,
      intervalMs: 50,
    });
  });
});
