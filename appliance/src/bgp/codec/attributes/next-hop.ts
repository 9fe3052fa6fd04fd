// NEXT_HOP (RFC 4271 §5.1.3): the IPv4 next hop for the classic NLRI field.
import { formatIpv4 } from '@ferry/protocol';
import { Severity } from '../errors.js';
import { addressBytes } from '../nlri.js';
import { AFI_IPV4 } from '../types.js';
import { type AttributeCodec, AttrType, WELL_KNOWN, writeAttribute } from './codes.js';

export const nextHopCodec: AttributeCodec = {
  code: AttrType.NEXT_HOP,
  name: 'NEXT_HOP',
  flags: WELL_KNOWN,
  // RFC 7606 §7.3: wrong length, or a next hop that cannot be a host, is treat-as-withdraw
  malformed: Severity.TREAT_AS_WITHDRAW,
  decode(v, s) {
    if (v.length !== 4) return `length ${v.length}`;
    // RFC 4271 §6.3: 0.0.0.0 and class D/E addresses are not valid host addresses
    if (v.readUInt32BE(0) === 0 || v[0]! >= 224) return `not a host address: ${formatIpv4(v)}`;
    s.attrs.nextHop = formatIpv4(v);
    return undefined;
  },
};

export function encodeNextHop(nextHop: string): Buffer {
  return writeAttribute(WELL_KNOWN, AttrType.NEXT_HOP, addressBytes(AFI_IPV4, nextHop));
}
