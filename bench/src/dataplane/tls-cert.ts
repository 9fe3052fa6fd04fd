// The HTTPS rows' certificate: one self-signed ECDSA P-256 pair made with the openssl CLI
// at bench start, served by both nginx (`listen … ssl`) and the appliance (--tls-cert), so
// the two differ only in the server.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface BenchCert {
  certFile: string;
  keyFile: string;
  /** PEM, trusted by the bench's own body checks */
  cert: Buffer;
}

export async function makeBenchCert(dir: string): Promise<BenchCert> {
  const certFile = join(dir, 'bench.crt');
  const keyFile = join(dir, 'bench.key');
  await promisify(execFile)(
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
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=bench',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { timeout: 30_000 },
  );
  return { certFile, keyFile, cert: await readFile(certFile) };
}
