// RFC 4724 §3: Graceful Restart capability. Value: Restart Flags (4 bits, R = 0x8) and
// Restart Time (12 bits, seconds), then per family AFI(2) SAFI(1) Flags(1, F = 0x80).
import type { Capability } from '../types.js';
import { CapabilityCode, malformedCapability } from './codes.js';

type GracefulRestart = Extract<Capability, { kind: 'graceful-restart' }>;

export function decodeGracefulRestart(v: Buffer): Capability {
  if (v.length < 2 || (v.length - 2) % 4 !== 0) throw malformedCapability('graceful restart', v.length);
  const head = v.readUInt16BE(0);
  const families: GracefulRestart['families'] = [];
  for (let off = 2; off < v.length; off += 4) {
    families.push({
      afi: v.readUInt16BE(off),
      safi: v[off + 2]!,
      forwardingPreserved: (v[off + 3]! & 0x80) !== 0,
    });
  }
  return {
    kind: 'graceful-restart',
    restartState: (head & 0x8000) !== 0,
    restartTimeSec: head & 0x0fff,
    families,
  };
}

export function encodeGracefulRestart(c: GracefulRestart): Buffer {
  const b = Buffer.alloc(4 + 4 * c.families.length);
  b[0] = CapabilityCode.GRACEFUL_RESTART;
  b[1] = b.length - 2;
  b.writeUInt16BE((c.restartState ? 0x8000 : 0) | (c.restartTimeSec & 0x0fff), 2);
  let off = 4;
  for (const f of c.families) {
    b.writeUInt16BE(f.afi, off);
    b[off + 2] = f.safi;
    b[off + 3] = f.forwardingPreserved ? 0x80 : 0;
    off += 4;
  }
  return b;
}
