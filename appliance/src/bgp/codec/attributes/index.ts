// The path attribute list of an UPDATE (RFC 4271 §4.3): a switch on the type code over the
// known attributes with an unknown fallback, and the RFC 7606 outcome of every error found.
import type { DecodeContext, EncodeContext } from '../context.js';
import {
  attributeData,
  Severity,
  type SeverityLevel,
  severityName,
  UpdateSubcode,
  updateError,
  worst,
} from '../errors.js';
import { AS_TRANS, BgpError, type PathAttributes } from '../types.js';
import {
  aggregatorCodec,
  as4AggregatorCodec,
  atomicAggregateCodec,
  encodeAggregator,
  encodeAtomicAggregate,
} from './aggregator.js';
import { as4PathCodec, asPathCodec, encodeAsPath, mergeAs4Path, toPathSegments } from './as-path.js';
import { AttrFlag, type AttributeCodec, AttrType, type DecodeState, writeAttribute } from './codes.js';
import {
  communitiesCodec,
  encodeCommunities,
  encodeLargeCommunities,
  largeCommunitiesCodec,
} from './communities.js';
import { encodeLocalPref, encodeMed, localPrefCodec, medCodec } from './med-local-pref.js';
import { mpReachCodec, mpUnreachCodec } from './mp-nlri.js';
import { encodeNextHop, nextHopCodec } from './next-hop.js';
import { encodeOrigin, originCodec } from './origin.js';

export { AttrFlag, AttrType, type DecodeState } from './codes.js';

function codecFor(code: number): AttributeCodec | undefined {
  switch (code) {
    case AttrType.ORIGIN:
      return originCodec;
    case AttrType.AS_PATH:
      return asPathCodec;
    case AttrType.NEXT_HOP:
      return nextHopCodec;
    case AttrType.MULTI_EXIT_DISC:
      return medCodec;
    case AttrType.LOCAL_PREF:
      return localPrefCodec;
    case AttrType.ATOMIC_AGGREGATE:
      return atomicAggregateCodec;
    case AttrType.AGGREGATOR:
      return aggregatorCodec;
    case AttrType.COMMUNITIES:
      return communitiesCodec;
    case AttrType.MP_REACH_NLRI:
      return mpReachCodec;
    case AttrType.MP_UNREACH_NLRI:
      return mpUnreachCodec;
    case AttrType.AS4_PATH:
      return as4PathCodec;
    case AttrType.AS4_AGGREGATOR:
      return as4AggregatorCodec;
    case AttrType.LARGE_COMMUNITIES:
      return largeCommunitiesCodec;
    default:
      return undefined;
  }
}

export function newDecodeState(ctx: DecodeContext): DecodeState {
  return { ctx, attrs: {}, announced: [], withdrawn: [], count: 0, severity: Severity.NONE, problems: [] };
}

/** Records a downgraded error (RFC 7606 §3 (j): the strongest outcome wins). */
export function noteProblem(s: DecodeState, severity: SeverityLevel, code: number, reason: string): void {
  s.severity = worst(s.severity, severity);
  const outcome = severityName(severity);
  if (outcome === 'attribute-discard' || outcome === 'treat-as-withdraw') {
    s.problems.push({ outcome, attributeCode: code, reason });
  }
}

function isMp(code: number): boolean {
  return code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI;
}

/** Decodes the attributes in msg[start, end) into s. Throws BgpError where a session reset is due. */
export function decodeAttributes(msg: Buffer, start: number, end: number, s: DecodeState): void {
  const seen = new Set<number>();
  let off = start;
  while (off < end) {
    // RFC 7606 §4: too few octets for an attribute header is treat-as-withdraw; the Total
    // Path Attribute Length still locates the NLRI
    if (end - off < 3 || ((msg[off]! & AttrFlag.EXTENDED_LENGTH) !== 0 && end - off < 4)) {
      noteProblem(s, Severity.TREAT_AS_WITHDRAW, 0, 'attribute header runs past the attribute list');
      return;
    }
    const flags = msg[off]!;
    const code = msg[off + 1]!;
    const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    const len = ext ? msg.readUInt16BE(off + 2) : msg[off + 2]!;
    const vstart = off + (ext ? 4 : 3);
    const vend = vstart + len;
    if (vend > end) {
      // RFC 7606 §7.11: an MP attribute whose extent is unknown leaves its NLRI unlocatable
      if (isMp(code)) {
        throw updateError(
          UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
          `attribute ${code} overruns the attribute list`,
        );
      }
      // RFC 7606 §4: an attribute overrunning the list is treat-as-withdraw
      noteProblem(s, Severity.TREAT_AS_WITHDRAW, code, 'attribute length overruns the attribute list');
      return;
    }
    decodeOne(msg, off, vstart, vend, flags, code, seen, s);
    off = vend;
  }
}

function decodeOne(
  msg: Buffer,
  off: number,
  vstart: number,
  vend: number,
  flags: number,
  code: number,
  seen: Set<number>,
  s: DecodeState,
): void {
  if (seen.has(code)) {
    // RFC 7606 §3 (g): a repeated MP attribute is Malformed Attribute List, session reset
    if (isMp(code)) {
      throw updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `attribute ${code} appears twice`);
    }
    // RFC 7606 §3 (g): other repeats are discarded, the first occurrence is kept
    noteProblem(s, Severity.ATTRIBUTE_DISCARD, code, 'repeated attribute');
    return;
  }
  seen.add(code);
  const value = msg.subarray(vstart, vend);
  const codec = codecFor(code);
  if (codec === undefined) {
    // RFC 4271 §6.3: an unrecognized well-known attribute resets the session, attribute as data
    if ((flags & AttrFlag.OPTIONAL) === 0) {
      throw updateError(
        UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
        `unrecognized well-known attribute ${code}`,
        attributeData(msg, off, vend),
      );
    }
    // RFC 4271 §5: unrecognized optional transitive attributes are passed on with Partial
    // set; non-transitive ones are quietly ignored
    if (flags & AttrFlag.TRANSITIVE) {
      s.attrs.unknown ??= [];
      s.attrs.unknown.push({
        flags: (flags | AttrFlag.PARTIAL) & ~AttrFlag.EXTENDED_LENGTH,
        code,
        value: new Uint8Array(value),
      });
      s.count++;
    }
    return;
  }
  let reason: string | undefined;
  // RFC 7606 §3 (c): Optional/Transitive bits in conflict make the attribute malformed
  if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== codec.flags) {
    if (codec.malformed === Severity.SESSION_RESET) {
      throw updateError(
        UpdateSubcode.ATTRIBUTE_FLAGS_ERROR,
        `${codec.name} flags 0x${flags.toString(16)}`,
        attributeData(msg, off, vend),
      );
    }
    reason = `flags 0x${flags.toString(16)}`;
  } else {
    try {
      reason = codec.decode(value, s);
    } catch (e) {
      if (e instanceof BgpError && e.data.length === 0) {
        throw new BgpError(e.code, e.subcode, e.message, attributeData(msg, off, vend));
      }
      throw e;
    }
  }
  if (reason !== undefined) noteProblem(s, codec.malformed, code, `${codec.name}: ${reason}`);
  else s.count++;
}

/**
 * After the list is read: on a 2-octet session rebuild the 4-octet AGGREGATOR and AS_PATH
 * from AS4_AGGREGATOR and AS4_PATH (RFC 6793 §4.2.3), then publish AS_PATH.
 */
export function finishAttributes(s: DecodeState): void {
  let as4Path = s.as4Path;
  if (!s.ctx.fourOctetAs) {
    const agg = s.attrs.aggregator;
    // RFC 6793 §4.2.3: an AGGREGATOR AS other than AS_TRANS means AS4_AGGREGATOR and AS4_PATH
    // came from before the aggregation and are ignored
    if (agg !== undefined && agg.asn !== AS_TRANS) {
      as4Path = undefined;
    } else if (agg !== undefined && s.as4Aggregator !== undefined) {
      s.attrs.aggregator = s.as4Aggregator;
    }
  }
  if (s.asPath !== undefined) {
    s.attrs.asPath = toPathSegments(as4Path !== undefined ? mergeAs4Path(s.asPath, as4Path) : s.asPath);
  }
}

/**
 * Encodes every attribute in attrs (MP attributes, already encoded, first: RFC 7606 §5.1),
 * in type-code order. 4-octet ASNs on a 2-octet session add AS4_PATH/AS4_AGGREGATOR.
 */
export function encodeAttributes(attrs: PathAttributes, ctx: EncodeContext, mp: Buffer[] = []): Buffer {
  const parts: Buffer[] = [...mp];
  if (attrs.origin !== undefined) parts.push(encodeOrigin(attrs.origin));
  const as4: Buffer[] = [];
  if (attrs.asPath !== undefined) {
    const [asPath, as4Path] = encodeAsPath(attrs.asPath, ctx.fourOctetAs);
    parts.push(asPath!);
    if (as4Path) as4.push(as4Path);
  }
  if (attrs.nextHop !== undefined) parts.push(encodeNextHop(attrs.nextHop));
  if (attrs.med !== undefined) parts.push(encodeMed(attrs.med));
  if (attrs.localPref !== undefined) parts.push(encodeLocalPref(attrs.localPref));
  if (attrs.atomicAggregate) parts.push(encodeAtomicAggregate());
  if (attrs.aggregator !== undefined) {
    const [agg, as4Agg] = encodeAggregator(attrs.aggregator, ctx.fourOctetAs);
    parts.push(agg!);
    if (as4Agg) as4.push(as4Agg);
  }
  if (attrs.communities !== undefined && attrs.communities.length > 0) {
    parts.push(encodeCommunities(attrs.communities));
  }
  parts.push(...as4);
  if (attrs.largeCommunities !== undefined && attrs.largeCommunities.length > 0) {
    parts.push(encodeLargeCommunities(attrs.largeCommunities));
  }
  for (const u of attrs.unknown ?? []) parts.push(writeAttribute(u.flags, u.code, u.value));
  return Buffer.concat(parts);
}
