// Compact keys for prefixes held in the Adj-RIB-In. A full table is ~1M IPv4 prefixes, so
// no object per prefix: an IPv4 prefix becomes one small integer per prefix length, an IPv6
// prefix a short one-byte-per-char string. Both are cheap Map keys.
import { formatIpv6 } from '@ferry/protocol';
import { AFI_IPV4, AFI_IPV6, type Afi, type Prefix } from '../codec/types.js';

/**
 * IPv4 key within the map of its prefix length: the network bits only (addr >>> (32 - len)),
 * so every key below /32 is under 2^31 and V8 stores it as a small integer, not a boxed
 * heap number (a single `addr * 64 + len` key needs 38 bits and would be boxed).
 * A /32 keeps the whole address as a signed 32-bit value for the same reason.
 */
export function v4Key(addr: number, len: number): number {
  if (len === 0) return 0;
  if (len === 32) return addr | 0;
  return addr >>> (32 - len);
}

/** The address (unsigned 32-bit) back from a key of the given length. */
export function v4Addr(key: number, len: number): number {
  if (len === 0) return 0;
  if (len === 32) return key >>> 0;
  return (key << (32 - len)) >>> 0;
}

/** The IPv4 address of a wire prefix as an unsigned 32-bit number (missing bytes are zero). */
export function v4FromBytes(bytes: Uint8Array): number {
  return (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
}

export function v4ToString(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** Masks an unsigned address to `len` network bits. */
export function v4Mask(addr: number, len: number): number {
  if (len === 0) return 0;
  return (addr & (0xffffffff << (32 - len))) >>> 0;
}

/**
 * IPv6 key: one char for the length, then the significant bytes (ceil(len/8)) as chars
 * 0-255, so V8 keeps it as a one-byte string (a /48 is 7 chars, not a 40-char text form).
 */
export function v6Key(bytes: Uint8Array, len: number): string {
  const n = (len + 7) >> 3;
  let s = String.fromCharCode(len);
  for (let i = 0; i < n; i++) {
    // Host bits in the last byte are not part of the prefix (RFC 4271 §4.3 trailing bits).
    const keep = Math.min(8, len - i * 8);
    s += String.fromCharCode((bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff));
  }
  return s;
}

export function v6KeyLength(key: string): number {
  return key.charCodeAt(0);
}

/** The 16 address bytes of an IPv6 key. */
export function v6KeyBytes(key: string): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 1; i < key.length && i <= 16; i++) out[i - 1] = key.charCodeAt(i);
  return out;
}

/** Sort key for IPv6 routes: address bytes as fixed-width hex, then the length, so string order is numeric order. */
export function v6SortKey(key: string): string {
  const bytes = v6KeyBytes(key);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return `${s}/${v6KeyLength(key).toString().padStart(3, '0')}`;
}

/** RFC 5952 text of a 16-byte IPv6 address (protocol's formatter, as the codec uses). */
export const v6ToString = (bytes: Uint8Array): string => formatIpv6(bytes);

/** Text form `10.0.0.0/8` / `2001:db8::/32` of a wire prefix. */
export function prefixText(p: Prefix): string {
  if (p.afi === AFI_IPV4) return `${v4ToString(v4FromBytes(p.bytes))}/${p.length}`;
  const full = new Uint8Array(16);
  full.set(p.bytes.subarray(0, 16));
  return `${v6ToString(full)}/${p.length}`;
}

export function afiName(afi: Afi): '4' | '6' {
  return afi === AFI_IPV6 ? '6' : '4';
}
