// Heap bytes per prefix of the Adj-RIB-In for a synthetic full table. Run on its own so the
// heap holds nothing else:
//   node --expose-gc --import tsx bench/src/bgp/rib-memory.ts [ipv4=1000000] [ipv6=250000] [attrSets=100000]
import {
  AdjRibIn,
  AFI_IPV4,
  AFI_IPV6,
  MessageType,
  type PathAttributes,
  type Prefix,
} from '@ferry/appliance';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const ipv4 = Number(process.argv[2] ?? 1_000_000);
const ipv6 = Number(process.argv[3] ?? 250_000);
const attrSets = Number(process.argv[4] ?? 100_000);

function attrsFor(i: number): PathAttributes {
  return {
    origin: 0,
    asPath: [{ type: 'sequence', asns: [65001, 3356, 1000 + (i % 60_000)] }],
    nextHop: '192.0.2.1',
    communities: [(65000 << 16) | (i % 100)],
  };
}

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

// Prefixes are built per batch and dropped, so the measure is what the RIB keeps.
function feed(rib: AdjRibIn, count: number, afi: 1 | 2): void {
  const perUpdate = 10;
  for (let i = 0; i < count; i += perUpdate) {
    const announced: Prefix[] = [];
    for (let j = i; j < Math.min(count, i + perUpdate); j++) {
      if (afi === AFI_IPV4) {
        // Spread like a real table: mostly /24s across the unicast space, unique per j.
        const addr = (0x01000000 + j * 256) >>> 0;
        announced.push({
          afi,
          length: 24,
          bytes: Uint8Array.from([addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff]),
        });
      } else {
        announced.push({
          afi,
          length: 48,
          bytes: Uint8Array.from([
            0x20,
            0x01,
            (j >>> 24) & 0xff,
            (j >>> 16) & 0xff,
            (j >>> 8) & 0xff,
            j & 0xff,
          ]),
        });
      }
    }
    const attributes = attrsFor(Math.floor(i / perUpdate) % attrSets);
    rib.apply('peer', { type: MessageType.UPDATE, withdrawn: [], announced, attributes });
  }
}

const before = heap();
const rib = new AdjRibIn();
const t0 = performance.now();
feed(rib, ipv4, AFI_IPV4);
const t4 = performance.now();
const after4 = heap();
feed(rib, ipv6, AFI_IPV6);
const t6 = performance.now();
const after6 = heap();
const perV4 = (after4 - before) / ipv4;
const perV6 = ipv6 > 0 ? (after6 - after4) / ipv6 : 0;
process.stdout.write(
  `${JSON.stringify({
    ipv4,
    ipv6,
    attrSets: rib.attrs.size,
    routes: rib.size(),
    heapMiB: +((after6 - before) / 2 ** 20).toFixed(1),
    bytesPerIpv4Prefix: +perV4.toFixed(1),
    bytesPerIpv6Prefix: +perV6.toFixed(1),
    ipv4InstallMs: Math.round(t4 - t0),
    ipv6InstallMs: Math.round(t6 - t4),
    rssMiB: +(process.memoryUsage().rss / 2 ** 20).toFixed(0),
  })}\n`,
);
