// Prefixes in NLRI encoding (RFC 4271 §4.3, RFC 4760 §5): a length octet in bits, then the
// fewest octets that hold that many bits. Decoding copies each prefix into its own small
// Uint8Array so the message buffer can be released as soon as it is decoded.
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '@ferry/protocol';
import { UpdateSubcode, updateError } from './errors.js';
import { AFI_IPV4, AFI_IPV6, type Afi, type Prefix } from './types.js';

export function maxPrefixLength(afi: Afi): number {
  return afi === AFI_IPV4 ? 32 : 128;
}

/**
 * Appends the prefixes in buf[start, end) to out. A length beyond the family's maximum or a
 * prefix running past end makes the field unparseable: RFC 7606 §5.3 says session reset, with
 * Invalid Network Field for the classic fields (RFC 4271 §6.3) and the given subcode otherwise.
 */
export function decodePrefixes(
  buf: Uint8Array,
  start: number,
  end: number,
  afi: Afi,
  out: Prefix[],
  subcode: number = UpdateSubcode.INVALID_NETWORK_FIELD,
): void {
  const max = afi === AFI_IPV4 ? 32 : 128;
  let off = start;
  while (off < end) {
    const length = buf[off]!;
    if (length > max) throw updateError(subcode, `prefix length ${length} exceeds ${max} (RFC 7606 §5.3)`);
    const n = (length + 7) >> 3;
    const from = off + 1;
    if (from + n > end) throw updateError(subcode, 'prefix runs past the end of its field (RFC 7606 §5.3)');
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = buf[from + i]!;
    // RFC 4271 §4.3: trailing bits are irrelevant; Prefix keeps them zero
    const spare = (n << 3) - length;
    if (spare !== 0) bytes[n - 1]! &= (0xff << spare) & 0xff;
    out.push({ afi, length, bytes });
    off = from + n;
  }
}

/** Octets a prefix takes on the wire, length octet included. */
export function prefixWireLength(p: Prefix): number {
  return 1 + ((p.length + 7) >> 3);
}

/** Writes p at off and returns the offset after it. */
export function writePrefix(buf: Uint8Array, off: number, p: Prefix): number {
  const n = (p.length + 7) >> 3;
  buf[off] = p.length;
  for (let i = 0; i < n; i++) buf[off + 1 + i] = p.bytes[i] ?? 0;
  return off + 1 + n;
}

export function encodePrefixes(prefixes: readonly Prefix[]): Buffer {
  let size = 0;
  for (const p of prefixes) size += prefixWireLength(p);
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  for (const p of prefixes) off = writePrefix(buf, off, p);
  return buf;
}

/** "10.0.0.0/8", "2001:db8::/32". */
export function prefixToString(p: Prefix): string {
  const full = new Uint8Array(p.afi === AFI_IPV4 ? 4 : 16);
  full.set(p.bytes.subarray(0, full.length));
  return `${p.afi === AFI_IPV4 ? formatIpv4(full) : formatIpv6(full)}/${p.length}`;
}

/** Parses "a.b.c.d/len" or "ipv6/len"; host bits must be zero. Throws RangeError. */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  if (slash < 0) throw new RangeError(`prefix needs a /length: ${text}`);
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const afi: Afi = addrText.includes(':') ? AFI_IPV6 : AFI_IPV4;
  const addr = addressBytes(afi, addrText);
  const length = Number(lenText);
  if (!/^\d{1,3}$/.test(lenText) || length > maxPrefixLength(afi)) {
    throw new RangeError(`bad prefix length in ${text}`);
  }
  const n = (length + 7) >> 3;
  for (let bit = length; bit < addr.length * 8; bit++) {
    if ((addr[bit >> 3]! >> (7 - (bit & 7))) & 1) throw new RangeError(`host bits set in ${text}`);
  }
  return { afi, length, bytes: addr.slice(0, n) };
}

/**
 * The bytes of an address of the family (prefixes, next hops, router ids to encode). Text that
 * is not one is the caller's mistake, not a wire error: RangeError, which `ferry announce`
 * reports against the line or flag it came from.
 */
export function addressBytes(afi: Afi, text: string): Uint8Array {
  const bytes = afi === AFI_IPV4 ? parseIpv4(text) : parseIpv6(text);
  if (!bytes) throw new RangeError(`not an IPv${afi === AFI_IPV4 ? 4 : 6} address: ${text}`);
  return bytes;
}

export function samePrefix(a: Prefix, b: Prefix): boolean {
  if (a.afi !== b.afi || a.length !== b.length) return false;
  const n = (a.length + 7) >> 3;
  for (let i = 0; i < n; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}
