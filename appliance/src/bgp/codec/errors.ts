// NOTIFICATION subcodes (RFC 4271 §4.5, §6) and the RFC 7606 §2 ordering of error outcomes.
// BgpError itself lives in types.ts; the helpers here build it with the right code and data.
import { BgpError, ErrorCode } from './types.js';

/** RFC 4271 §6.1 Message Header Error subcodes. */
export const HeaderSubcode = {
  CONNECTION_NOT_SYNCHRONIZED: 1,
  BAD_MESSAGE_LENGTH: 2,
  BAD_MESSAGE_TYPE: 3,
} as const;

/** RFC 4271 §6.2 OPEN Message Error subcodes; 7 from RFC 5492 §5. 0 is "unspecific". */
export const OpenSubcode = {
  UNSPECIFIC: 0,
  UNSUPPORTED_VERSION: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
} as const;

/** RFC 4271 §6.3 UPDATE Message Error subcodes. */
export const UpdateSubcode = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN: 6,
  INVALID_NEXT_HOP: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

/**
 * RFC 7606 §2 outcomes, weakest first. §3 (j): when several errors are found the strongest
 * action wins, so outcomes compare as numbers.
 */
export const Severity = {
  NONE: 0,
  ATTRIBUTE_DISCARD: 1,
  TREAT_AS_WITHDRAW: 2,
  SESSION_RESET: 3,
} as const;
export type SeverityLevel = (typeof Severity)[keyof typeof Severity];

export function worst(a: SeverityLevel, b: SeverityLevel): SeverityLevel {
  return a > b ? a : b;
}

export function severityName(
  s: SeverityLevel,
): 'none' | 'attribute-discard' | 'treat-as-withdraw' | 'session-reset' {
  switch (s) {
    case Severity.NONE:
      return 'none';
    case Severity.ATTRIBUTE_DISCARD:
      return 'attribute-discard';
    case Severity.TREAT_AS_WITHDRAW:
      return 'treat-as-withdraw';
    default:
      return 'session-reset';
  }
}

export function headerError(subcode: number, message: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.MESSAGE_HEADER, subcode, message, data);
}

export function openError(subcode: number, message: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.OPEN_MESSAGE, subcode, message, data);
}

export function updateError(subcode: number, message: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, subcode, message, data);
}

export function u16Data(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

/** RFC 4271 §6.3: attribute errors carry the erroneous attribute (type, length, value) as data. */
export function attributeData(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.subarray(start, Math.min(end, buf.length)));
}
