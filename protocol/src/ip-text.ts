// Canonical text of an IP address held as bytes: dotted quad for IPv4, RFC 5952 for IPv6
// (lowercase, no leading zeros, the longest run of two or more zero groups as "::", the
// first such run on a tie, and IPv4-mapped addresses with their dotted quad, §5).

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIpv4(bytes);
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 bytes, got ${bytes.length}`);
  return formatIpv6(bytes);
}

/** The IPv4 address in the 4 bytes at `offset` (BGP reads addresses in place in a message). */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}`;
}

/** The IPv6 address in the 16 bytes at `offset`, RFC 5952 text. */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const b = offset === 0 && bytes.length === 16 ? bytes : bytes.subarray(offset, offset + 16);
  if (b.length !== 16) throw new RangeError(`an IPv6 address has 16 bytes, got ${b.length}`);
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) mapped = b[i] === 0;
  if (mapped) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((n) => n.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
