// Path attribute type codes and flags (RFC 4271 §4.3), the decoding state shared by the
// per-attribute decoders, and the attribute header writer.
import type { DecodeContext } from '../context.js';
import type { SeverityLevel } from '../errors.js';
import type { PathAttributes, Prefix, UpdateProblem } from '../types.js';

export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8, // RFC 1997
  MP_REACH_NLRI: 14, // RFC 4760
  MP_UNREACH_NLRI: 15, // RFC 4760
  AS4_PATH: 17, // RFC 6793
  AS4_AGGREGATOR: 18, // RFC 6793
  LARGE_COMMUNITIES: 32, // RFC 8092
} as const;

export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const WELL_KNOWN = AttrFlag.TRANSITIVE;
export const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
export const OPTIONAL_NON_TRANSITIVE = AttrFlag.OPTIONAL;

/** AS_PATH segment as on the wire (RFC 4271 §4.3 types 1, 2; RFC 5065 §3 types 3, 4). */
export interface RawSegment {
  type: number;
  asns: number[];
}

export const SegmentType = { SET: 1, SEQUENCE: 2, CONFED_SEQUENCE: 3, CONFED_SET: 4 } as const;

/** Filled while the attributes of one UPDATE are decoded. */
export interface DecodeState {
  ctx: DecodeContext;
  attrs: PathAttributes;
  /** MP_REACH_NLRI prefixes (supported families only) */
  announced: Prefix[];
  /** MP_UNREACH_NLRI prefixes */
  withdrawn: Prefix[];
  asPath?: RawSegment[];
  as4Path?: RawSegment[];
  as4Aggregator?: { asn: number; address: string };
  /** AFI/SAFI of an MP_UNREACH_NLRI, for End-of-RIB detection (RFC 4724 §2) */
  mpUnreachFamily?: { afi: number; safi: number };
  /** attributes kept (after duplicates were dropped) */
  count: number;
  severity: SeverityLevel;
  problems: UpdateProblem[];
}

/**
 * One path attribute: expected Optional/Transitive bits, the RFC 7606 outcome when it is
 * malformed, and a decoder that returns the reason it is malformed (or undefined when it is
 * fine). Decoders throw BgpError only where RFC 7606 requires a session reset.
 */
export interface AttributeCodec {
  code: number;
  name: string;
  flags: number;
  malformed: SeverityLevel;
  decode(v: Buffer, s: DecodeState): string | undefined;
}

/** flags, type, length (one octet, or two with Extended Length when the value needs it), value. */
export function writeAttribute(flags: number, code: number, value: Uint8Array): Buffer {
  const ext = value.length > 255;
  const head = ext ? 4 : 3;
  const buf = Buffer.allocUnsafe(head + value.length);
  buf[0] = ext ? flags | AttrFlag.EXTENDED_LENGTH : flags & ~AttrFlag.EXTENDED_LENGTH;
  buf[1] = code;
  if (ext) buf.writeUInt16BE(value.length, 2);
  else buf[2] = value.length;
  buf.set(value, head);
  return buf;
}
