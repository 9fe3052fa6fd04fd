// ATOMIC_AGGREGATE (RFC 4271 §5.1.6), AGGREGATOR (§5.1.7; 4-octet AS form RFC 6793 §3) and
// AS4_AGGREGATOR (RFC 6793 §3).
import { formatIpv4 } from '@ferry/protocol';
import { Severity } from '../errors.js';
import { addressBytes } from '../nlri.js';
import { AFI_IPV4, AS_TRANS } from '../types.js';
import { type AttributeCodec, AttrType, OPTIONAL_TRANSITIVE, WELL_KNOWN, writeAttribute } from './codes.js';

export const atomicAggregateCodec: AttributeCodec = {
  code: AttrType.ATOMIC_AGGREGATE,
  name: 'ATOMIC_AGGREGATE',
  flags: WELL_KNOWN,
  // RFC 7606 §7.6: a length other than 0 is attribute-discard
  malformed: Severity.ATTRIBUTE_DISCARD,
  decode(v, s) {
    if (v.length !== 0) return `length ${v.length}`;
    s.attrs.atomicAggregate = true;
    return undefined;
  },
};

export const aggregatorCodec: AttributeCodec = {
  code: AttrType.AGGREGATOR,
  name: 'AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 §7.7: a length other than 6 (2-octet AS) or 8 (4-octet AS) is attribute-discard
  malformed: Severity.ATTRIBUTE_DISCARD,
  decode(v, s) {
    const size = s.ctx.fourOctetAs ? 4 : 2;
    if (v.length !== size + 4) return `length ${v.length}`;
    const asn = size === 4 ? v.readUInt32BE(0) : v.readUInt16BE(0);
    s.attrs.aggregator = { asn, address: formatIpv4(v, size) };
    return undefined;
  },
};

export const as4AggregatorCodec: AttributeCodec = {
  code: AttrType.AS4_AGGREGATOR,
  name: 'AS4_AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 6793 §6: a malformed AS4_AGGREGATOR is discarded
  malformed: Severity.ATTRIBUTE_DISCARD,
  decode(v, s) {
    // RFC 6793 §4.1: AS4_AGGREGATOR received from a 4-octet speaker is discarded
    if (s.ctx.fourOctetAs) return 'received on a 4-octet AS session';
    if (v.length !== 8) return `length ${v.length}`;
    s.as4Aggregator = { asn: v.readUInt32BE(0), address: formatIpv4(v, 4) };
    return undefined;
  },
};

export function encodeAtomicAggregate(): Buffer {
  return writeAttribute(WELL_KNOWN, AttrType.ATOMIC_AGGREGATE, new Uint8Array(0));
}

/** AGGREGATOR, plus AS4_AGGREGATOR on a 2-octet session when the AS needs 4 octets (RFC 6793 §4.2.2). */
export function encodeAggregator(agg: { asn: number; address: string }, fourOctetAs: boolean): Buffer[] {
  const addr = addressBytes(AFI_IPV4, agg.address);
  if (fourOctetAs) {
    const v = Buffer.allocUnsafe(8);
    v.writeUInt32BE(agg.asn >>> 0, 0);
    v.set(addr, 4);
    return [writeAttribute(OPTIONAL_TRANSITIVE, AttrType.AGGREGATOR, v)];
  }
  const v = Buffer.allocUnsafe(6);
  v.writeUInt16BE(agg.asn > 0xffff ? AS_TRANS : agg.asn, 0);
  v.set(addr, 2);
  const out = [writeAttribute(OPTIONAL_TRANSITIVE, AttrType.AGGREGATOR, v)];
  if (agg.asn > 0xffff) {
    const v4 = Buffer.allocUnsafe(8);
    v4.writeUInt32BE(agg.asn >>> 0, 0);
    v4.set(addr, 4);
    out.push(writeAttribute(OPTIONAL_TRANSITIVE, AttrType.AS4_AGGREGATOR, v4));
  }
  return out;
}
