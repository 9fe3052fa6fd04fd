// Synthetic tables for the BGP bench: distinct prefixes, generated lazily so a 1M-route BIRD
// config is written without holding a million objects.

/** `count` distinct IPv4 /24s from 1.0.0.0 upwards (1M of them end below 17.0.0.0). */
export function* ipv4Routes(count: number): Generator<string> {
  for (let i = 0; i < count; i++) {
    const a = (0x01000000 + i * 256) >>> 0;
    yield `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.0/24`;
  }
}

/** `count` distinct IPv6 /48s under 2a00::/12. */
export function* ipv6Routes(count: number): Generator<string> {
  for (let i = 0; i < count; i++) {
    yield `2a00:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/48`;
  }
}
