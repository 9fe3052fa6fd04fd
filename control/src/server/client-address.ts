// The client's address for steering (DESIGN flow 1): the connection's, or the nearest
// untrusted hop of X-Forwarded-For when the connection comes from a configured proxy.
import { cidrContains, type ParsedCidr, parseCidr, parseIp } from '@ferry/protocol';

export class ClientAddressResolver {
  private readonly proxies: ParsedCidr[];

  constructor(trustedProxies: readonly string[]) {
    this.proxies = trustedProxies.map((c) => {
      const p = parseCidr(c);
      if (!p) throw new TypeError(`not a CIDR: ${c}`);
      return p;
    });
  }

  private trusted(addr: string): boolean {
    return this.proxies.some((p) => cidrContains(p, addr));
  }

  /** The connection comes from a trusted proxy (its X-Forwarded-* headers are believed). */
  viaTrustedProxy(socketAddress: string): boolean {
    return this.trusted(unmap(socketAddress));
  }

  /**
   * Walks X-Forwarded-For from the right (the hop our proxy added last) past trusted
   * proxies; the first other address is the client. Anything malformed stops the walk at
   * the last address we could trust to have reported it.
   */
  resolve(socketAddress: string, forwardedFor: string | string[] | undefined): string {
    let client = socketAddress;
    if (!this.trusted(client) || forwardedFor === undefined) return unmap(client);
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (!parseIp(hop)) break;
      client = hop;
      if (!this.trusted(hop)) break;
    }
    return unmap(client);
  }
}

/** ::ffff:10.1.2.3 (an IPv4 client on a dual-stack socket) is 10.1.2.3. */
function unmap(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}
