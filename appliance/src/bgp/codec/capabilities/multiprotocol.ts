// RFC 4760 §8: Multiprotocol Extensions capability, value AFI(2) reserved(1) SAFI(1).
import type { Capability } from '../types.js';
import { CapabilityCode, malformedCapability } from './codes.js';

export function decodeMultiprotocol(v: Buffer): Capability {
  if (v.length !== 4) throw malformedCapability('multiprotocol', v.length);
  return { kind: 'multiprotocol', afi: v.readUInt16BE(0), safi: v[3]! };
}

export function encodeMultiprotocol(c: { afi: number; safi: number }): Buffer {
  return Buffer.from([CapabilityCode.MULTIPROTOCOL, 4, c.afi >> 8, c.afi & 0xff, 0, c.safi]);
}
