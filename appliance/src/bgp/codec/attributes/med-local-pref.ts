// MULTI_EXIT_DISC (RFC 4271 §5.1.4) and LOCAL_PREF (§5.1.5): one 32-bit value each.
import { Severity } from '../errors.js';
import {
  type AttributeCodec,
  AttrType,
  OPTIONAL_NON_TRANSITIVE,
  WELL_KNOWN,
  writeAttribute,
} from './codes.js';

export const medCodec: AttributeCodec = {
  code: AttrType.MULTI_EXIT_DISC,
  name: 'MULTI_EXIT_DISC',
  flags: OPTIONAL_NON_TRANSITIVE,
  // RFC 7606 §7.4: length other than 4 is treat-as-withdraw
  malformed: Severity.TREAT_AS_WITHDRAW,
  decode(v, s) {
    if (v.length !== 4) return `length ${v.length}`;
    s.attrs.med = v.readUInt32BE(0);
    return undefined;
  },
};

/**
 * RFC 7606 §7.5 also says LOCAL_PREF from an external peer is discarded; the codec does not
 * know the peer type, so that check belongs to the session.
 */
export const localPrefCodec: AttributeCodec = {
  code: AttrType.LOCAL_PREF,
  name: 'LOCAL_PREF',
  flags: WELL_KNOWN,
  // RFC 7606 §7.5: length other than 4 is treat-as-withdraw
  malformed: Severity.TREAT_AS_WITHDRAW,
  decode(v, s) {
    if (v.length !== 4) return `length ${v.length}`;
    s.attrs.localPref = v.readUInt32BE(0);
    return undefined;
  },
};

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function encodeMed(med: number): Buffer {
  return writeAttribute(OPTIONAL_NON_TRANSITIVE, AttrType.MULTI_EXIT_DISC, u32(med));
}

export function encodeLocalPref(localPref: number): Buffer {
  return writeAttribute(WELL_KNOWN, AttrType.LOCAL_PREF, u32(localPref));
}
