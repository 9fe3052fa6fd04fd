// COMMUNITIES (RFC 1997): 4-octet values. LARGE_COMMUNITIES (RFC 8092): 12-octet triples.
import { Severity } from '../errors.js';
import { type AttributeCodec, AttrType, OPTIONAL_TRANSITIVE, writeAttribute } from './codes.js';

export const communitiesCodec: AttributeCodec = {
  code: AttrType.COMMUNITIES,
  name: 'COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 §7.8: length 0 or not a multiple of 4 is treat-as-withdraw
  malformed: Severity.TREAT_AS_WITHDRAW,
  decode(v, s) {
    if (v.length === 0 || v.length % 4 !== 0) return `length ${v.length}`;
    const out: number[] = [];
    for (let off = 0; off < v.length; off += 4) out.push(v.readUInt32BE(off));
    s.attrs.communities = out;
    return undefined;
  },
};

export const largeCommunitiesCodec: AttributeCodec = {
  code: AttrType.LARGE_COMMUNITIES,
  name: 'LARGE_COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 8092 §6: length 0 or not a multiple of 12 is treat-as-withdraw
  malformed: Severity.TREAT_AS_WITHDRAW,
  decode(v, s) {
    if (v.length === 0 || v.length % 12 !== 0) return `length ${v.length}`;
    const out: [number, number, number][] = [];
    for (let off = 0; off < v.length; off += 12) {
      out.push([v.readUInt32BE(off), v.readUInt32BE(off + 4), v.readUInt32BE(off + 8)]);
    }
    s.attrs.largeCommunities = out;
    return undefined;
  },
};

export function encodeCommunities(list: readonly number[]): Buffer {
  const v = Buffer.allocUnsafe(4 * list.length);
  list.forEach((c, i) => {
    v.writeUInt32BE(c >>> 0, 4 * i);
  });
  return writeAttribute(OPTIONAL_TRANSITIVE, AttrType.COMMUNITIES, v);
}

export function encodeLargeCommunities(list: readonly (readonly [number, number, number])[]): Buffer {
  const v = Buffer.allocUnsafe(12 * list.length);
  list.forEach(([g, a, b], i) => {
    v.writeUInt32BE(g >>> 0, 12 * i);
    v.writeUInt32BE(a >>> 0, 12 * i + 4);
    v.writeUInt32BE(b >>> 0, 12 * i + 8);
  });
  return writeAttribute(OPTIONAL_TRANSITIVE, AttrType.LARGE_COMMUNITIES, v);
}
