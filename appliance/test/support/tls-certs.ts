// Test certificates made with the openssl CLI in a temp dir: a self-signed ECDSA P-256
// certificate for 127.0.0.1 (the test client trusts it as its CA), or a broken file.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  fingerprint256: string;
}

/** Writes NAME.crt and NAME.key in dir (each by rename, as an operator's deploy would). */
export function makeCert(dir: string, name: string, cn = name): TestCert {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${keyFile}.tmp`,
      '-out',
      `${certFile}.tmp`,
      '-days',
      '30',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe', timeout: 30_000 },
  );
  renameSync(`${keyFile}.tmp`, keyFile);
  renameSync(`${certFile}.tmp`, certFile);
  const cert = readFileSync(certFile);
  return { certFile, keyFile, cert, fingerprint256: new X509Certificate(cert).fingerprint256 };
}
