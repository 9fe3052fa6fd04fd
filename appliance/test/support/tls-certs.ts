// Test certificates for the HTTPS tests: the harness's self-signed ECDSA P-256 certificate for
// 127.0.0.1 (the test client trusts it as its CA), with its fingerprint for the status checks.
import { X509Certificate } from 'node:crypto';
import { makeSelfSignedCert } from '@ferry/harness';

export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  fingerprint256: string;
}

/** Writes NAME.crt and NAME.key in dir (each by rename, as an operator's deploy would). */
export function makeCert(dir: string, name: string, cn = name): TestCert {
  const made = makeSelfSignedCert(dir, name, { cn });
  return { ...made, fingerprint256: new X509Certificate(made.cert).fingerprint256 };
}
