// The origin (scheme://host[:port]) the manifests' absolute URLs are built on: the one the
// player used to reach control. Directly, that is the Host header and the connection's
// scheme. Behind a proxy (a connection from --trusted-proxy, the same rule that lets
// X-Forwarded-For name the client), X-Forwarded-Proto and X-Forwarded-Host name what the
// player saw; from anyone else they are ignored, so a client cannot point another
// client's manifest elsewhere (each manifest is built per request and is not shared anyway).
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

export interface OriginInput {
  host: string | undefined;
  forwardedHost: string | string[] | undefined;
  forwardedProto: string | string[] | undefined;
  /** the connection comes from a trusted proxy */
  viaTrustedProxy: boolean;
  /** the connection itself is TLS */
  encrypted: boolean;
}

/** The nearest hop's value: a proxy appends, so the last one is the one next to us. */
function last(v: string | string[] | undefined): string | undefined {
  const text = Array.isArray(v) ? v.join(',') : v;
  const parts = text
    ?.split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return parts?.[parts.length - 1];
}

/** `http://control.example:8080`, or undefined when the host is missing or malformed. */
export function requestOrigin(input: OriginInput): string | undefined {
  let scheme = input.encrypted ? 'https' : 'http';
  let host = input.host;
  if (input.viaTrustedProxy) {
    const proto = last(input.forwardedProto)?.toLowerCase();
    if (proto === 'http' || proto === 'https') scheme = proto;
    host = last(input.forwardedHost) ?? host;
  }
  if (host === undefined || host.length > 300 || !HOST.test(host)) return undefined;
  return `${scheme}://${host}`;
}
