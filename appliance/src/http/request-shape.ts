// Checks on the request message itself, before any routing: what node's parser lets
// through but HTTP/1.1 says a server must refuse. Pure (works on the parsed message), so it
// is tested without sockets.
import { type ErrorSpec, Errors } from '../errors.js';

export interface ParsedMessage {
  method?: string | undefined;
  url?: string | undefined;
  httpVersionMajor: number;
  httpVersionMinor: number;
  /** name, value, name, value… as received (server.maxHeadersCount = 0 keeps them all) */
  rawHeaders: string[];
}

/**
 * The header block's size as it was on the wire, at least: request line, every
 * `name: value CRLF`, and the blank line. Node's maxHeaderSize only counts the bytes of
 * names and values (its parser adds up the field and value callbacks), so 2,000 headers
 * of a few bytes each pass it at ~23 KB on the wire; this counts the separators too.
 * Whitespace around values is not kept by the parser, so the real size can only be larger.
 */
export function headerWireBytes(m: ParsedMessage): number {
  // "METHOD SP target SP HTTP/x.y CRLF" (RFC 9112 §3)
  let n = (m.method?.length ?? 0) + 1 + (m.url?.length ?? 0) + 1 + 8 + 2;
  const raw = m.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) n += raw[i]!.length + 1 + raw[i + 1]!.length + 2;
  return n + 2;
}

/** The error to answer with, or undefined when the message may be routed. */
export function checkRequestShape(m: ParsedMessage, maxHeaderBytes: number): ErrorSpec | undefined {
  // RFC 9112 §2.3 / RFC 9110 §15.6.6: a server answers 505 to a major version it does not
  // speak; node's parser accepts "HTTP/2.0" on a request line and would serve it as 1.x.
  if (m.httpVersionMajor !== 1) return Errors.HTTP_VERSION_NOT_SUPPORTED;
  if (headerWireBytes(m) > maxHeaderBytes) return Errors.HEADERS_TOO_LARGE;
  let hosts = 0;
  const raw = m.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
  }
  // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any request with more
  // than one Host line (two hosts make the target ambiguous: request smuggling territory).
  if (hosts > 1) return Errors.BAD_HOST;
  if (hosts === 0 && m.httpVersionMinor >= 1) return Errors.BAD_HOST;
  return undefined;
}
