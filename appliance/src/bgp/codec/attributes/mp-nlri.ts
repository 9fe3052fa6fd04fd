// MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3, §4) for IPv4 and IPv6 unicast. Other
// AFI/SAFI pairs were not negotiated by this speaker and are skipped.
import { formatIpv4, formatIpv6 } from '@ferry/protocol';
import { Severity, UpdateSubcode, updateError } from '../errors.js';
import { addressBytes, decodePrefixes, encodePrefixes } from '../nlri.js';
import { AFI_IPV4, AFI_IPV6, type Afi, type Prefix, SAFI_UNICAST } from '../types.js';
import { type AttributeCodec, AttrType, OPTIONAL_NON_TRANSITIVE, writeAttribute } from './codes.js';

function supported(afi: number, safi: number): afi is Afi {
  return (afi === AFI_IPV4 || afi === AFI_IPV6) && safi === SAFI_UNICAST;
}

/** RFC 7606 §7.11: when the NLRI cannot be located the session is reset. */
function unlocatable(reason: string): Error {
  return updateError(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_REACH_NLRI/MP_UNREACH_NLRI: ${reason}`);
}

export const mpReachCodec: AttributeCodec = {
  code: AttrType.MP_REACH_NLRI,
  name: 'MP_REACH_NLRI',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: Severity.SESSION_RESET,
  decode(v, s) {
    if (v.length < 5) throw unlocatable(`MP_REACH_NLRI length ${v.length}`);
    const afi = v.readUInt16BE(0);
    const safi = v[2]!;
    const nhLen = v[3]!;
    // next hop, then one reserved octet (RFC 4760 §3), then the NLRI
    const nlriStart = 4 + nhLen + 1;
    if (nlriStart > v.length) throw unlocatable(`next hop length ${nhLen} overruns the attribute`);
    if (!supported(afi, safi)) return undefined;
    const nextHops: string[] = [];
    if (afi === AFI_IPV4) {
      // RFC 7606 §7.11: a next hop length other than expected makes the NLRI unlocatable
      if (nhLen !== 4) throw unlocatable(`IPv4 next hop length ${nhLen}`);
      nextHops.push(formatIpv4(v, 4));
    } else {
      // RFC 2545 §3: a global address, optionally followed by a link-local one
      if (nhLen !== 16 && nhLen !== 32) throw unlocatable(`IPv6 next hop length ${nhLen}`);
      nextHops.push(formatIpv6(v, 4));
      if (nhLen === 32) nextHops.push(formatIpv6(v, 20));
    }
    // RFC 7606 §5.3: an NLRI that cannot be parsed is session reset
    decodePrefixes(v, nlriStart, v.length, afi, s.announced, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    s.attrs.mpNextHop = nextHops;
    return undefined;
  },
};

export const mpUnreachCodec: AttributeCodec = {
  code: AttrType.MP_UNREACH_NLRI,
  name: 'MP_UNREACH_NLRI',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: Severity.SESSION_RESET,
  decode(v, s) {
    if (v.length < 3) throw unlocatable(`MP_UNREACH_NLRI length ${v.length}`);
    const afi = v.readUInt16BE(0);
    const safi = v[2]!;
    s.mpUnreachFamily = { afi, safi };
    if (!supported(afi, safi)) return undefined;
    // RFC 7606 §5.3: withdrawn routes that cannot be parsed are session reset
    decodePrefixes(v, 3, v.length, afi, s.withdrawn, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
    return undefined;
  },
};

/** AFI, SAFI, next hop length, next hop(s), reserved octet: everything before the NLRI. */
export function mpReachHead(afi: Afi, nextHops: readonly string[]): Buffer {
  const hops = nextHops.map((h) => addressBytes(afi, h));
  const nhLen = hops.reduce((n, h) => n + h.length, 0);
  const head = Buffer.alloc(5 + nhLen);
  head.writeUInt16BE(afi, 0);
  head[2] = SAFI_UNICAST;
  head[3] = nhLen;
  let off = 4;
  for (const h of hops) {
    head.set(h, off);
    off += h.length;
  }
  return head;
}

export function encodeMpReach(afi: Afi, nextHops: readonly string[], prefixes: readonly Prefix[]): Buffer {
  const value = Buffer.concat([mpReachHead(afi, nextHops), encodePrefixes(prefixes)]);
  return writeAttribute(OPTIONAL_NON_TRANSITIVE, AttrType.MP_REACH_NLRI, value);
}

export function encodeMpUnreach(afi: Afi, prefixes: readonly Prefix[]): Buffer {
  const head = Buffer.from([afi >> 8, afi & 0xff, SAFI_UNICAST]);
  const value = Buffer.concat([head, encodePrefixes(prefixes)]);
  return writeAttribute(OPTIONAL_NON_TRANSITIVE, AttrType.MP_UNREACH_NLRI, value);
}
