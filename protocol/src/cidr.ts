// Address and prefix parsing for URL token network binding. Written by hand (instead of
// net.BlockList) because the rules must be exact and the same everywhere: IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d, which node reports for IPv4 clients on dual-stack sockets)
// count as IPv4, and a malformed address never matches anything.

export interface ParsedCidr {
  /** 4 bytes for IPv4, 16 for IPv6; host bits are cleared. */
  readonly bytes: Uint8Array;
  readonly bits: number;
}

const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Exactly four dotted decimal parts, no leading zeros; null when `text` is anything else. */
export function parseIpv4(text: string): Uint8Array | null {
  // Scanned by hand, not split and matched: control parses every prefix of a full BGP table
  // (1M) at start and per snapshot, and this is about five times faster.
  const out = new Uint8Array(4);
  let part = 0;
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return null;
      out[part++] = n;
      n = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39) return null;
    // Leading zeros are refused: some parsers read them as octal, so they are ambiguous.
    if (digits > 0 && n === 0) return null;
    n = n * 10 + (c - 0x30);
    if (++digits > 3 || n > 255) return null;
  }
  return part === 4 ? out : null;
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  for (const g of text.split(':')) {
    if (!IPV6_GROUP.test(g)) return null;
    groups.push(Number.parseInt(g, 16));
  }
  return groups;
}

/**
 * 16 bytes of an IPv6 address (RFC 4291 §2.2), null when malformed. Unlike `parseIp`, an
 * IPv4-mapped address stays 16 bytes and a zone is refused: BGP next hops and prefixes keep
 * the family they were written in.
 */
export function parseIpv6(text: string): Uint8Array | null {
  let body = text;
  let tail: Uint8Array | null = null;
  // An embedded IPv4 tail (RFC 4291 section 2.2, form 3) stands for the last two groups.
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.includes('.', lastColon)) {
    tail = parseIpv4(body.slice(lastColon + 1));
    if (!tail) return null;
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = groups[i]! >> 8;
    out[i * 2 + 1] = groups[i]! & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

function isMappedIpv4(bytes: Uint8Array): boolean {
  if (bytes.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 comes back as 4 IPv4 bytes. */
export function parseIp(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > 64) return null;
  if (!text.includes(':')) return parseIpv4(text);
  // A zone (fe80::1%eth0) names the local interface; it is not part of the address.
  const zone = text.indexOf('%');
  const bytes = parseIpv6(zone >= 0 ? text.slice(0, zone) : text);
  if (!bytes) return null;
  return isMappedIpv4(bytes) ? bytes.slice(12) : bytes;
}

/** Parses `ADDRESS/BITS`. Host bits may be set and are ignored; a bare address is refused. */
export function parseCidr(text: string): ParsedCidr | null {
  const slash = text.indexOf('/');
  if (slash < 0 || text.includes('%')) return null;
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return null;
  let bits = Number(lenText);
  const addrText = text.slice(0, slash);
  let bytes = addrText.includes(':') ? parseIpv6(addrText) : parseIpv4(addrText);
  if (!bytes || bits > bytes.length * 8) return null;
  // ::ffff:10.0.0.0/104 is the IPv4 prefix 10.0.0.0/8 written in IPv6 form.
  if (isMappedIpv4(bytes) && bits >= 96) {
    bytes = bytes.slice(12);
    bits -= 96;
  }
  return { bytes: maskBytes(bytes, bits), bits };
}

function maskBytes(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/** True when `address` lies inside `cidr`. Malformed input on either side never matches. */
export function cidrContains(cidr: string | ParsedCidr, address: string): boolean {
  const prefix = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const addr = parseIp(address);
  if (!prefix || !addr || addr.length !== prefix.bytes.length) return false;
  const masked = maskBytes(addr, prefix.bits);
  for (let i = 0; i < masked.length; i++) if (masked[i] !== prefix.bytes[i]) return false;
  return true;
}
