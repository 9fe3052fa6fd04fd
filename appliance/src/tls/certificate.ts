// Reading the viewers' certificate and key (PEM) and checking that they can serve before
// they are used: at start (a bad pair is a start error) and on every reload (a bad pair
// keeps the one in use). What is checked: both files read, the certificate parses as X.509,
// the key parses, the key is the certificate's, and node builds a secure context from them.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { tlsError } from './errors.js';

export interface CertificateInfo {
  subject: string;
  /** ISO 8601 */
  notAfter: string;
  /** SHA-256 of the DER certificate, colon-separated hex as openssl prints it */
  fingerprint256: string;
}

export interface CertPair {
  cert: Buffer;
  key: Buffer;
  info: CertificateInfo;
  notAfterMs: number;
}

export async function loadCertPair(certFile: string, keyFile: string): Promise<CertPair> {
  const cert = await readOrFail(certFile, 'CERT_UNREADABLE');
  const key = await readOrFail(keyFile, 'KEY_UNREADABLE');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw tlsError('CERT_INVALID', `${certFile}: ${(err as Error).message}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw tlsError('KEY_INVALID', `${keyFile}: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw tlsError('KEY_MISMATCH', `${keyFile} does not match ${certFile}`);
  }
  try {
    // What the server will do with the pair; catches what the checks above do not (a
    // chain file whose later entries do not parse, a key type OpenSSL refuses).
    createSecureContext({ cert, key });
  } catch (err) {
    throw tlsError('CERT_INVALID', `${certFile}: ${(err as Error).message}`);
  }
  const notAfterMs = Date.parse(x509.validTo);
  return {
    cert,
    key,
    notAfterMs,
    info: {
      subject: x509.subject.replaceAll('\n', ', '),
      notAfter: Number.isFinite(notAfterMs) ? new Date(notAfterMs).toISOString() : x509.validTo,
      fingerprint256: x509.fingerprint256,
    },
  };
}

async function readOrFail(file: string, name: 'CERT_UNREADABLE' | 'KEY_UNREADABLE'): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw tlsError(name, `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
