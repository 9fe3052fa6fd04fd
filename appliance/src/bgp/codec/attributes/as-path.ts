// AS_PATH (RFC 4271 §5.1.2, confederation segments RFC 5065 §3) and AS4_PATH (RFC 6793 §3),
// and the reconstruction of the 4-octet path from both on a 2-octet session (RFC 6793 §4.2.3).
import { Severity } from '../errors.js';
import { AS_TRANS, type AsPathSegment } from '../types.js';
import {
  type AttributeCodec,
  AttrType,
  OPTIONAL_TRANSITIVE,
  type RawSegment,
  SegmentType,
  WELL_KNOWN,
  writeAttribute,
} from './codes.js';

/** Segments of an AS_PATH/AS4_PATH value, or the reason it is malformed (RFC 7606 §7.2). */
export function decodeSegments(v: Buffer, size: 2 | 4): RawSegment[] | string {
  const out: RawSegment[] = [];
  let off = 0;
  while (off < v.length) {
    // RFC 7606 §7.2: a single octet left is an underrun
    if (v.length - off < 2) return 'one octet left after the last segment';
    const type = v[off]!;
    const count = v[off + 1]!;
    if (type < SegmentType.SET || type > SegmentType.CONFED_SET) return `segment type ${type}`;
    // RFC 7606 §7.2: a segment length of zero is malformed
    if (count === 0) return 'segment of length zero';
    const end = off + 2 + count * size;
    // RFC 7606 §7.2: the last segment overruns the attribute
    if (end > v.length) return 'segment overruns the attribute';
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const at = off + 2 + i * size;
      asns[i] = size === 4 ? v.readUInt32BE(at) : (v[at]! << 8) | v[at + 1]!;
    }
    out.push({ type, asns });
    off = end;
  }
  return out;
}

export const asPathCodec: AttributeCodec = {
  code: AttrType.AS_PATH,
  name: 'AS_PATH',
  flags: WELL_KNOWN,
  // RFC 7606 §7.2: a malformed AS_PATH is treat-as-withdraw
  malformed: Severity.TREAT_AS_WITHDRAW,
  decode(v, s) {
    const segs = decodeSegments(v, s.ctx.fourOctetAs ? 4 : 2);
    if (typeof segs === 'string') return segs;
    s.asPath = segs;
    return undefined;
  },
};

export const as4PathCodec: AttributeCodec = {
  code: AttrType.AS4_PATH,
  name: 'AS4_PATH',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 6793 §6: a malformed AS4_PATH is discarded
  malformed: Severity.ATTRIBUTE_DISCARD,
  decode(v, s) {
    // RFC 6793 §4.1: AS4_PATH received from a 4-octet speaker is discarded
    if (s.ctx.fourOctetAs) return 'received on a 4-octet AS session';
    const segs = decodeSegments(v, 4);
    if (typeof segs === 'string') return segs;
    // RFC 6793 §6: confederation segments in AS4_PATH make it malformed
    if (segs.some((g) => g.type >= SegmentType.CONFED_SEQUENCE)) return 'confederation segment';
    s.as4Path = segs;
    return undefined;
  },
};

/** RFC 6793 §4.2.3: an AS_SET counts as one AS, confederation segments do not count. */
function countAsns(segs: readonly RawSegment[]): number {
  let n = 0;
  for (const g of segs) {
    if (g.type === SegmentType.SEQUENCE) n += g.asns.length;
    else if (g.type === SegmentType.SET) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: when AS_PATH holds fewer ASes than AS4_PATH, AS4_PATH is ignored;
 * otherwise the leading ASes of AS_PATH (the part added by 2-octet speakers) are kept and
 * AS4_PATH follows them.
 */
export function mergeAs4Path(asPath: readonly RawSegment[], as4Path: readonly RawSegment[]): RawSegment[] {
  const n = countAsns(asPath);
  const m = countAsns(as4Path);
  if (n < m) return [...asPath];
  let need = n - m;
  const out: RawSegment[] = [];
  for (const g of asPath) {
    if (need === 0) break;
    if (g.type === SegmentType.CONFED_SEQUENCE || g.type === SegmentType.CONFED_SET) {
      out.push(g);
    } else if (g.type === SegmentType.SET) {
      out.push(g);
      need -= 1;
    } else {
      const take = Math.min(need, g.asns.length);
      out.push({ type: g.type, asns: g.asns.slice(0, take) });
      need -= take;
    }
  }
  return coalesce([...out, ...as4Path]);
}

/** Joins neighbouring AS_SEQUENCE segments, which the cut above may leave split. */
function coalesce(segs: RawSegment[]): RawSegment[] {
  const out: RawSegment[] = [];
  for (const g of segs) {
    const last = out[out.length - 1];
    if (last && last.type === SegmentType.SEQUENCE && g.type === SegmentType.SEQUENCE) {
      out[out.length - 1] = { type: last.type, asns: [...last.asns, ...g.asns] };
    } else out.push(g);
  }
  return out;
}

/** Confederation segments are kept as plain sequences/sets (the data model has no confed type). */
export function toPathSegments(segs: readonly RawSegment[]): AsPathSegment[] {
  return segs.map((g) => ({
    type: g.type === SegmentType.SET || g.type === SegmentType.CONFED_SET ? 'set' : 'sequence',
    asns: g.asns,
  }));
}

function encodeSegments(path: readonly AsPathSegment[], size: 2 | 4): Buffer {
  const parts: Buffer[] = [];
  for (const seg of path) {
    const type = seg.type === 'set' ? SegmentType.SET : SegmentType.SEQUENCE;
    // RFC 4271 §4.3: a segment holds at most 255 ASes; longer runs become several segments
    for (let i = 0; i < seg.asns.length; i += 255) {
      const chunk = seg.asns.slice(i, i + 255);
      const b = Buffer.allocUnsafe(2 + chunk.length * size);
      b[0] = type;
      b[1] = chunk.length;
      chunk.forEach((asn, j) => {
        if (size === 4) b.writeUInt32BE(asn >>> 0, 2 + 4 * j);
        else b.writeUInt16BE(asn > 0xffff ? AS_TRANS : asn, 2 + 2 * j);
      });
      parts.push(b);
    }
  }
  return Buffer.concat(parts);
}

/**
 * AS_PATH, plus AS4_PATH on a 2-octet session when some AS needs 4 octets (RFC 6793 §4.2.2:
 * those ASes are written as AS_TRANS in AS_PATH).
 */
export function encodeAsPath(path: readonly AsPathSegment[], fourOctetAs: boolean): Buffer[] {
  if (fourOctetAs) return [writeAttribute(WELL_KNOWN, AttrType.AS_PATH, encodeSegments(path, 4))];
  const out = [writeAttribute(WELL_KNOWN, AttrType.AS_PATH, encodeSegments(path, 2))];
  if (path.some((g) => g.asns.some((a) => a > 0xffff))) {
    out.push(writeAttribute(OPTIONAL_TRANSITIVE, AttrType.AS4_PATH, encodeSegments(path, 4)));
  }
  return out;
}
