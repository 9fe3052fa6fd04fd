// Packing many prefixes that share one attribute set into as few UPDATEs as fit 4096 octets
// (RFC 4271 §4.1), for announcing or withdrawing large tables quickly.

import { AttrFlag, AttrType } from './attributes/codes.js';
import { encodeAttributes } from './attributes/index.js';
import { mpReachHead } from './attributes/mp-nlri.js';
import type { EncodeContext } from './context.js';
import { writeHeader } from './header.js';
import { prefixWireLength, writePrefix } from './nlri.js';
import {
  AFI_IPV4,
  AFI_IPV6,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  type PathAttributes,
  type Prefix,
  SAFI_UNICAST,
} from './types.js';

/** MP attributes are written with Extended Length so their header size never changes. */
const MP_HEAD = 4;

interface Layout {
  /** octets before the prefixes, header included */
  before: Buffer;
  /** octets after the prefixes */
  after: Buffer;
  /** where the field holding the prefixes starts its own length counting */
  patch: (msg: Buffer, prefixOctets: number) => void;
}

function pack(prefixes: readonly Prefix[], layout: Layout): Buffer[] {
  const out: Buffer[] = [];
  const scratch = Buffer.allocUnsafe(MAX_MESSAGE_LENGTH);
  layout.before.copy(scratch, 0);
  const room = MAX_MESSAGE_LENGTH - layout.before.length - layout.after.length;
  if (room < 17) throw new RangeError('attributes leave no room for prefixes in a 4096-octet UPDATE');
  let off = layout.before.length;
  const flush = () => {
    const used = off - layout.before.length;
    if (used === 0) return;
    off += layout.after.copy(scratch, off);
    const msg = Buffer.allocUnsafe(off);
    scratch.copy(msg, 0, 0, off);
    writeHeader(msg, off, MessageType.UPDATE);
    layout.patch(msg, used);
    out.push(msg);
    off = layout.before.length;
  };
  for (const p of prefixes) {
    if (off - layout.before.length + prefixWireLength(p) > room) flush();
    off = writePrefix(scratch, off, p);
  }
  flush();
  return out;
}

function mpLayout(code: number, head: Buffer, rest: Buffer): Layout {
  const before = Buffer.alloc(HEADER_LENGTH + 4 + MP_HEAD + head.length);
  const mpAt = HEADER_LENGTH + 4;
  before[mpAt] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
  before[mpAt + 1] = code;
  head.copy(before, mpAt + MP_HEAD);
  return {
    before,
    after: rest,
    patch(msg, used) {
      const mpLen = head.length + used;
      msg.writeUInt16BE(0, HEADER_LENGTH);
      msg.writeUInt16BE(MP_HEAD + mpLen + rest.length, HEADER_LENGTH + 2);
      msg.writeUInt16BE(mpLen, mpAt + 2);
    },
  };
}

/**
 * UPDATEs announcing prefixes with one attribute set: IPv4 in the NLRI field (attrs.nextHop),
 * IPv6 in MP_REACH_NLRI (attrs.mpNextHop), every message at most 4096 octets.
 */
export function encodeUpdates(
  prefixes: readonly Prefix[],
  attrs: PathAttributes,
  ctx: EncodeContext,
): Buffer[] {
  const v4 = prefixes.filter((p) => p.afi === AFI_IPV4);
  const v6 = prefixes.filter((p) => p.afi === AFI_IPV6);
  const out: Buffer[] = [];
  if (v4.length > 0) {
    const a = encodeAttributes({ ...attrs, mpNextHop: undefined }, ctx);
    const before = Buffer.alloc(HEADER_LENGTH + 4 + a.length);
    before.writeUInt16BE(a.length, HEADER_LENGTH + 2);
    a.copy(before, HEADER_LENGTH + 4);
    out.push(...pack(v4, { before, after: Buffer.alloc(0), patch() {} }));
  }
  if (v6.length > 0) {
    if (attrs.mpNextHop === undefined || attrs.mpNextHop.length === 0) {
      throw new RangeError('IPv6 prefixes need attrs.mpNextHop');
    }
    // RFC 4760 §3: an UPDATE whose only NLRI is in MP_REACH_NLRI should not carry NEXT_HOP
    const rest = encodeAttributes({ ...attrs, nextHop: undefined, mpNextHop: undefined }, ctx);
    out.push(...pack(v6, mpLayout(AttrType.MP_REACH_NLRI, mpReachHead(AFI_IPV6, attrs.mpNextHop), rest)));
  }
  return out;
}

/** UPDATEs withdrawing prefixes: IPv4 in Withdrawn Routes, IPv6 in MP_UNREACH_NLRI. */
export function encodeWithdrawals(prefixes: readonly Prefix[]): Buffer[] {
  const v4 = prefixes.filter((p) => p.afi === AFI_IPV4);
  const v6 = prefixes.filter((p) => p.afi === AFI_IPV6);
  const out: Buffer[] = [];
  if (v4.length > 0) {
    const before = Buffer.alloc(HEADER_LENGTH + 2);
    const after = Buffer.alloc(2);
    out.push(...pack(v4, { before, after, patch: (msg, used) => msg.writeUInt16BE(used, HEADER_LENGTH) }));
  }
  if (v6.length > 0) {
    const head = Buffer.from([0, AFI_IPV6, SAFI_UNICAST]);
    out.push(...pack(v6, mpLayout(AttrType.MP_UNREACH_NLRI, head, Buffer.alloc(0))));
  }
  return out;
}
