// A full IPv4 table (1M prefixes in 50,000 UPDATEs of 20 prefixes each, 64 KiB reads) must
// decode in well under the hold time; the rate is printed for the record.
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeUpdates, splitMessages } from '../src/bgp/codec/codec.js';
import type { Prefix, UpdateMessage } from '../src/bgp/codec/types.js';

function fullTable(): Buffer {
  const chunks: Buffer[] = [];
  let batch: Prefix[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    const v = Math.imul(i, 2654435761) >>> 0;
    const length = i % 10 < 6 ? 24 : i % 10 < 9 ? 22 : 20;
    const mask = length === 24 ? 255 : length === 22 ? 252 : 240;
    batch.push({
      afi: 1,
      length,
      bytes: Uint8Array.of(1 + ((v >>> 24) % 223), (v >>> 16) & 255, (v >>> 8) & mask),
    });
    if (batch.length === 20) {
      const k = chunks.length;
      const attrs = {
        origin: 0,
        asPath: [{ type: 'sequence' as const, asns: [65001, 3356, 1000 + (k % 5000)] }],
        nextHop: '192.0.2.1',
        med: k % 100,
        communities: [65001 * 65536 + (k % 300)],
      };
      chunks.push(...encodeUpdates(batch, attrs, { fourOctetAs: true }));
      batch = [];
    }
  }
  return Buffer.concat(chunks);
}

describe('decode throughput', () => {
  it('decodes a 1M-prefix stream', () => {
    const stream = fullTable();
    const t0 = performance.now();
    let prefixes = 0;
    let updates = 0;
    let rest: Buffer = Buffer.alloc(0);
    for (let off = 0; off < stream.length; off += 65536) {
      const chunk = stream.subarray(off, off + 65536);
      const s = splitMessages(rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk);
      for (const m of s.messages) {
        prefixes += (decodeMessage(m, { fourOctetAs: true }) as UpdateMessage).announced.length;
        updates++;
      }
      rest = s.rest;
    }
    const sec = (performance.now() - t0) / 1000;
    console.log(
      `bgp decode: ${prefixes} prefixes, ${updates} UPDATEs in ${sec.toFixed(3)} s = ${(prefixes / sec / 1e6).toFixed(2)} M prefixes/s`,
    );
    expect(prefixes).toBe(1_000_000);
    expect(updates).toBe(50_000);
    // a loose floor: a full table in under 4 s even on a slow machine
    expect(prefixes / sec).toBeGreaterThan(250_000);
  });
});
