// Canonical text for a prefix held as bytes: dotted quad for IPv4, RFC 5952 for IPv6
// (lowercase, no leading zeros, the longest run of two or more zero groups as "::", the first
// such run on a tie). The trie stores bytes only, so the text is rebuilt on the way out;
// canonical text also means "10.0.0.1/8" and "10.0.0.0/8" come back as the same prefix.
import { formatIp, parseCidr } from '@ferry/protocol';

export function formatAddress(bytes: Uint8Array): string {
  return formatIp(bytes);
}

export function formatPrefix(bytes: Uint8Array, bits: number): string {
  return `${formatAddress(bytes)}/${bits}`;
}

/** One spelling per prefix (host bits cleared, IPv6 compressed), or undefined when malformed. */
export function canonicalPrefix(text: string): string | undefined {
  const cidr = parseCidr(text);
  return cidr ? formatPrefix(cidr.bytes, cidr.bits) : undefined;
}
