// A self-signed ECDSA P-256 certificate for 127.0.0.1 made with the openssl CLI, for the
// HTTPS tests and the dataplane bench's HTTPS rows (the client trusts it as its own CA).
// Each file is written beside its place and renamed in, as an operator's deploy would.
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export interface SelfSignedCert {
  certFile: string;
  keyFile: string;
  /** the certificate's PEM, for a client to trust */
  cert: Buffer;
}

/** Writes NAME.crt and NAME.key in dir. */
export function makeSelfSignedCert(
  dir: string,
  name: string,
  opts: { cn?: string; days?: number } = {},
): SelfSignedCert {
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
      String(opts.days ?? 30),
      '-subj',
      `/CN=${opts.cn ?? name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe', timeout: 30_000 },
  );
  renameSync(`${keyFile}.tmp`, keyFile);
  renameSync(`${certFile}.tmp`, certFile);
  return { certFile, keyFile, cert: readFileSync(certFile) };
}
