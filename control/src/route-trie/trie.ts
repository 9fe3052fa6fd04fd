// Longest-prefix match over every appliance's BGP routes: client address → the prefixes that
// cover it and the values (appliance ids, typically) filed under each. IPv4 and IPv6 live in
// separate tries of 4- and 16-byte keys; IPv4-mapped IPv6 addresses and prefixes
// (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 client) are parsed to IPv4 by
// protocol's parser, so they match IPv4 routes.
import { parseCidr, parseIp } from '@ferry/protocol';
import { ByteTrie } from './byte-trie.js';
import { formatPrefix } from './prefix-format.js';

export interface RouteMatch<T> {
  /** Canonical CIDR text of the covering prefix. */
  readonly prefix: string;
  readonly values: T[];
}

export class RouteTrie<T> {
  private readonly v4 = new ByteTrie<T>(4);
  private readonly v6 = new ByteTrie<T>(16);

  /** Distinct prefixes holding at least one value. */
  get size(): number {
    return this.v4.prefixes + this.v6.prefixes;
  }

  /** Files `value` under `prefix`; the same prefix may hold several values (and duplicates). */
  insert(prefix: string, value: T): void {
    const cidr = parseCidr(prefix);
    if (!cidr) throw new TypeError(`not a CIDR prefix: "${prefix}"`);
    this.family(cidr.bytes).insert(cidr.bytes, cidr.bits, value);
  }

  /**
   * Removes the values under exactly `prefix` that `match` accepts, or all of them when no
   * `match` is given. Returns how many were removed; an unknown or malformed prefix removes none.
   */
  remove(prefix: string, match?: (v: T) => boolean): number {
    const cidr = parseCidr(prefix);
    if (!cidr) return 0;
    return this.family(cidr.bytes).remove(cidr.bytes, cidr.bits, match);
  }

  /** The most specific prefix covering `ip`, or undefined (also for a malformed address). */
  lookup(ip: string): RouteMatch<T> | undefined {
    const all = this.matches(ip);
    const best = all[all.length - 1];
    return best ? { prefix: formatPrefix(best.bytes, best.bits), values: best.values } : undefined;
  }

  /** Every prefix covering `ip`, most specific first. */
  covering(ip: string): RouteMatch<T>[] {
    const out: RouteMatch<T>[] = [];
    const all = this.matches(ip);
    for (let i = all.length - 1; i >= 0; i--) {
      const m = all[i]!;
      out.push({ prefix: formatPrefix(m.bytes, m.bits), values: m.values });
    }
    return out;
  }

  /** Least specific first; the value lists are fresh copies the caller may keep or change. */
  private matches(ip: string) {
    const addr = parseIp(ip);
    return addr ? this.family(addr).walk(addr) : [];
  }

  private family(bytes: Uint8Array): ByteTrie<T> {
    return bytes.length === 4 ? this.v4 : this.v6;
  }
}
