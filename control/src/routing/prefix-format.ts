// Canonical text for a prefix held as bytes: dotted quad for IPv4, RFC 5952 for IPv6
// (lowercase, no leading zeros, the longest run of two or more zero groups as "::", the first
// such run on a tie). The trie stores bytes only, so the text is rebuilt on the way out;
// canonical text also means "10.0.0.1/8" and "10.0.0.0/8" come back as the same prefix.

export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
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

export function formatPrefix(bytes: Uint8Array, bits: number): string {
  return `${formatAddress(bytes)}/${bits}`;
}
