// A million IPv4 prefixes from an Announcer reach a BgpSpeaker in seconds: packed UPDATEs,
// coalesced writes with backpressure, framing and decoding on the receiving side.
import { eventually } from '@ferry/harness';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { Announcer } from '../src/bgp/announce/announce.js';
import type { Prefix } from '../src/bgp/codec/types.js';
import { BgpSpeaker } from '../src/bgp/session/speaker.js';
import { passiveNeighbor } from './support/neighbor.js';

const logger = pino({ level: process.env.FERRY_TEST_LOG ?? 'silent' });
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

const COUNT = 1 << 20;

function manyPrefixes(): Prefix[] {
  // 1.0.0.0/24 … 16.255.255.0/24
  const out: Prefix[] = new Array(COUNT);
  for (let i = 0; i < COUNT; i++) {
    out[i] = { afi: 1, length: 24, bytes: Uint8Array.of(1 + (i >> 16), (i >> 8) & 0xff, i & 0xff) };
  }
  return out;
}

it(`${COUNT} prefixes go out and arrive within seconds`, async () => {
  let received = 0;
  const speaker = new BgpSpeaker({
    neighbors: [passiveNeighbor({ address: '*' })],
    listen: { host: '127.0.0.1', port: 0 },
    logger,
    onUpdate: (_p, u) => {
      received += u.announced.length;
    },
  });
  await speaker.start();
  stops.push(() => speaker.stop());
  const announcer = new Announcer({
    connect: { host: '127.0.0.1', port: speaker.listenAddress!.port },
    localAs: 65001,
    peerAs: 65000,
    communities: [(65001 * 65536 + 1) >>> 0],
    logger,
  });
  stops.push(() => announcer.stop());
  await announcer.announce(manyPrefixes());
  const started = performance.now();
  let sentMs = 0;
  announcer.on('synced', (_n, ms) => {
    sentMs = ms;
  });
  await announcer.start();
  await eventually(() => received === COUNT, {
    what: `all prefixes (have ${received})`,
    timeoutMs: 30_000,
    intervalMs: 10,
  });
  const totalMs = performance.now() - started;
  process.stdout.write(
    `bgp scale: ${COUNT} prefixes sent in ${Math.round(sentMs)} ms, received in ${Math.round(totalMs)} ms\n`,
  );
  expect(totalMs).toBeLessThan(20_000);
  expect(speaker.status()[0]!.received.prefixesV4).toBe(COUNT);
});
