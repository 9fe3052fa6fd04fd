// Textual IPv4/IPv6 addresses to and from bytes. IPv6 text follows RFC 5952 §4 (lower case,
// longest run of two or more zero groups compressed, first run on a tie).
import { formatIp } from '@ferry/protocol';

export function ipv4ToString(b: Uint8Array, off = 0): string {
  return `${b[off] ?? 0}.${b[off + 1] ?? 0}.${b[off + 2] ?? 0}.${b[off + 3] ?? 0}`;
}

export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${text}`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)
      throw new RangeError(`not an IPv4 address: ${text}`);
    out[i] = Number(p);
  }
  return out;
}

export function ipv6ToString(b: Uint8Array, off = 0): string {
  return formatIp(b.subarray(off, off + 16));
}

export function parseIpv6(text: string): Uint8Array {
  const bad = () => new RangeError(`not an IPv6 address: ${text}`);
  let s = text;
  if (s.includes('.')) {
    // RFC 4291 §2.2 form 3: the last 32 bits written as an IPv4 address
    const at = s.lastIndexOf(':');
    if (at < 0) throw bad();
    const v4 = parseIpv4(s.slice(at + 1));
    s = `${s.slice(0, at + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const parse = (h: string): number[] =>
    h === ''
      ? []
      : h.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
          return Number.parseInt(g, 16);
        });
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) throw bad();
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}
