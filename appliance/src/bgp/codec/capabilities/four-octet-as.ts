// RFC 6793 §3: Support for 4-octet AS number capability, value = the speaker's 4-octet AS.
import type { Capability } from '../types.js';
import { CapabilityCode, malformedCapability } from './codes.js';

export function decodeFourOctetAs(v: Buffer): Capability {
  if (v.length !== 4) throw malformedCapability('4-octet AS', v.length);
  return { kind: 'four-octet-as', asn: v.readUInt32BE(0) };
}

export function encodeFourOctetAs(c: { asn: number }): Buffer {
  const b = Buffer.alloc(6);
  b[0] = CapabilityCode.FOUR_OCTET_AS;
  b[1] = 4;
  b.writeUInt32BE(c.asn >>> 0, 2);
  return b;
}
