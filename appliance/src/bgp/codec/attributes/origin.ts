// ORIGIN (RFC 4271 §5.1.1): one octet, IGP 0, EGP 1, INCOMPLETE 2.
import { Severity } from '../errors.js';
import { type AttributeCodec, AttrType, WELL_KNOWN, writeAttribute } from './codes.js';

export const originCodec: AttributeCodec = {
  code: AttrType.ORIGIN,
  name: 'ORIGIN',
  flags: WELL_KNOWN,
  // RFC 7606 §7.1: wrong length or undefined value is treat-as-withdraw
  malformed: Severity.TREAT_AS_WITHDRAW,
  decode(v, s) {
    if (v.length !== 1) return `length ${v.length}`;
    if (v[0]! > 2) return `undefined value ${v[0]}`;
    s.attrs.origin = v[0]!;
    return undefined;
  },
};

export function encodeOrigin(origin: number): Buffer {
  return writeAttribute(WELL_KNOWN, AttrType.ORIGIN, Uint8Array.of(origin));
}
