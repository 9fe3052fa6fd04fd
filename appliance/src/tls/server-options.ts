// The TLS settings of the viewers' port. TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and
// 1.1); for 1.2, ECDHE with AEAD ciphers only (forward secrecy, no CBC), the server's order;
// the TLS 1.3 suites are node's defaults (all AEAD). HTTP/1.1 is the only protocol offered
// by ALPN: the content handler speaks HTTP/1.1. Session tickets stay on (node's default),
// so a returning player resumes without a full handshake; each process has its own ticket
// keys, so with --workers a resumption that lands on another worker does a full handshake.
import type { TlsOptions } from 'node:tls';

export const TLS_PROTOCOLS = ['TLSv1.2', 'TLSv1.3'] as const;

const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

export function viewerTlsOptions(
  pair: { cert: Buffer; key: Buffer },
  handshakeTimeoutMs: number,
): TlsOptions {
  return {
    ...secureContextOptions(pair),
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ALPNProtocols: ['http/1.1'],
    // A client that opens TCP and never finishes the handshake holds a socket like a
    // slowloris one; it gets as long as a header block would.
    handshakeTimeout: handshakeTimeoutMs,
  };
}

/** What setSecureContext takes on reload: the pair and the same cipher policy. */
export function secureContextOptions(pair: { cert: Buffer; key: Buffer }): TlsOptions {
  return {
    cert: pair.cert,
    key: pair.key,
    ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
    honorCipherOrder: true,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
  };
}
