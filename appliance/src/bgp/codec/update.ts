// UPDATE (RFC 4271 §4.3): withdrawn routes, path attributes, NLRI; IPv6 through
// MP_REACH_NLRI/MP_UNREACH_NLRI (RFC 4760). Errors follow RFC 7606.
import {
  decodeAttributes,
  encodeAttributes,
  finishAttributes,
  newDecodeState,
  noteProblem,
} from './attributes/index.js';
import { encodeMpReach, encodeMpUnreach } from './attributes/mp-nlri.js';
import type { DecodeContext, EncodeContext } from './context.js';
import { Severity, UpdateSubcode, updateError } from './errors.js';
import { writeHeader } from './header.js';
import { decodePrefixes, encodePrefixes } from './nlri.js';
import {
  AFI_IPV4,
  AFI_IPV6,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  type Prefix,
  SAFI_UNICAST,
  type UpdateMessage,
} from './types.js';

/** Decodes a whole UPDATE message (header included and already checked). */
export function decodeUpdate(msg: Buffer, ctx: DecodeContext): UpdateMessage {
  const b = HEADER_LENGTH;
  const len = msg.length;
  const wLen = msg.readUInt16BE(b);
  // RFC 4271 §6.3: Withdrawn Routes Length or Total Attribute Length too large for the
  // message is Malformed Attribute List (RFC 7606 §4 keeps this a session reset)
  if (b + 4 + wLen > len) {
    throw updateError(
      UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
      `withdrawn routes length ${wLen} overruns the message`,
    );
  }
  const aLen = msg.readUInt16BE(b + 2 + wLen);
  const aStart = b + 4 + wLen;
  const aEnd = aStart + aLen;
  if (aEnd > len) {
    throw updateError(
      UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
      `total attribute length ${aLen} overruns the message`,
    );
  }
  const withdrawn: Prefix[] = [];
  // RFC 7606 §5.3: withdrawn routes or NLRI that cannot be parsed reset the session
  decodePrefixes(msg, b + 2, b + 2 + wLen, AFI_IPV4, withdrawn);
  const s = newDecodeState(ctx);
  decodeAttributes(msg, aStart, aEnd, s);
  finishAttributes(s);
  const announced = s.announced;
  const mpAnnounced = announced.length;
  decodePrefixes(msg, aEnd, len, AFI_IPV4, announced);
  for (const p of s.withdrawn) withdrawn.push(p);

  // RFC 7606 §3 (d): a missing well-known mandatory attribute is treat-as-withdraw; NEXT_HOP
  // is only mandatory with prefixes in the classic NLRI field (RFC 4760 §3)
  if (announced.length > 0 && s.severity < Severity.TREAT_AS_WITHDRAW) {
    if (s.attrs.origin === undefined) noteProblem(s, Severity.TREAT_AS_WITHDRAW, 1, 'ORIGIN missing');
    if (s.attrs.asPath === undefined) noteProblem(s, Severity.TREAT_AS_WITHDRAW, 2, 'AS_PATH missing');
    if (announced.length > mpAnnounced && s.attrs.nextHop === undefined) {
      noteProblem(s, Severity.TREAT_AS_WITHDRAW, 3, 'NEXT_HOP missing');
    }
  }
  const m: UpdateMessage = { type: MessageType.UPDATE, withdrawn, attributes: s.attrs, announced };
  if (s.severity === Severity.TREAT_AS_WITHDRAW) m.treatAsWithdraw = true;
  if (s.problems.length > 0) {
    m.problems = s.problems.sort((x, y) =>
      x.outcome === y.outcome ? 0 : x.outcome === 'treat-as-withdraw' ? -1 : 1,
    );
  }
  // RFC 4724 §2: End-of-RIB is an empty UPDATE (IPv4 unicast) or one holding only an empty
  // MP_UNREACH_NLRI (that family)
  if (len === b + 4) m.endOfRib = { afi: AFI_IPV4, safi: SAFI_UNICAST };
  else if (s.mpUnreachFamily && s.count === 1 && wLen === 0 && aEnd === len && withdrawn.length === 0) {
    m.endOfRib = s.mpUnreachFamily;
  }
  return m;
}

function assemble(withdrawnField: Buffer, attrs: Buffer, nlri: Buffer): Buffer {
  const len = HEADER_LENGTH + 4 + withdrawnField.length + attrs.length + nlri.length;
  if (len > MAX_MESSAGE_LENGTH) {
    throw new RangeError(`UPDATE of ${len} octets exceeds ${MAX_MESSAGE_LENGTH}; use encodeUpdates`);
  }
  const buf = Buffer.allocUnsafe(len);
  writeHeader(buf, len, MessageType.UPDATE);
  let off = HEADER_LENGTH;
  buf.writeUInt16BE(withdrawnField.length, off);
  off += 2;
  off += withdrawnField.copy(buf, off);
  buf.writeUInt16BE(attrs.length, off);
  off += 2;
  off += attrs.copy(buf, off);
  nlri.copy(buf, off);
  return buf;
}

/**
 * One UPDATE. IPv4 prefixes go in the classic fields; IPv6 ones in MP_UNREACH_NLRI and in
 * MP_REACH_NLRI with attributes.mpNextHop. Throws RangeError if it does not fit 4096 octets.
 */
export function encodeUpdate(m: Omit<UpdateMessage, 'type'>, ctx: EncodeContext): Buffer {
  const v4w = m.withdrawn.filter((p) => p.afi === AFI_IPV4);
  const v6w = m.withdrawn.filter((p) => p.afi === AFI_IPV6);
  const v4a = m.announced.filter((p) => p.afi === AFI_IPV4);
  const v6a = m.announced.filter((p) => p.afi === AFI_IPV6);
  const mp: Buffer[] = [];
  if (v6w.length > 0) mp.push(encodeMpUnreach(AFI_IPV6, v6w));
  if (v6a.length > 0) {
    const hops = m.attributes.mpNextHop;
    if (hops === undefined || hops.length === 0) throw new RangeError('IPv6 NLRI needs attributes.mpNextHop');
    mp.push(encodeMpReach(AFI_IPV6, hops, v6a));
  }
  return assemble(encodePrefixes(v4w), encodeAttributes(m.attributes, ctx, mp), encodePrefixes(v4a));
}

/** RFC 4724 §2 End-of-RIB marker for one family. */
export function encodeEndOfRib(afi: number, safi: number): Buffer {
  const empty = Buffer.alloc(0);
  if (afi === AFI_IPV4 && safi === SAFI_UNICAST) return assemble(empty, empty, empty);
  // an MP_UNREACH_NLRI holding only AFI and SAFI
  return assemble(empty, Buffer.from([0x80, 15, 3, afi >> 8, afi & 0xff, safi]), empty);
}
