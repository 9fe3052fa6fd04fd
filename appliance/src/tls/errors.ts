// HTTPS on the viewers' port (--tls-cert/--tls-key): operator-facing, like the store's
// catalogue. A start with a pair that cannot serve is refused with one of these; a reload
// (SIGHUP) that hits one keeps the pair in use and logs the code.
import { defineErrors, FerryError, spec } from '@ferry/protocol';

export const TlsErrors = defineErrors('appliance-tls', {
  CERT_UNREADABLE: spec('FERRY_ERR_TLS_CERT_UNREADABLE', 500, 'the TLS certificate file cannot be read'),
  KEY_UNREADABLE: spec('FERRY_ERR_TLS_KEY_UNREADABLE', 500, 'the TLS private key file cannot be read'),
  CERT_INVALID: spec(
    'FERRY_ERR_TLS_CERT_INVALID',
    500,
    'the TLS certificate file holds no PEM X.509 certificate that parses',
  ),
  KEY_INVALID: spec(
    'FERRY_ERR_TLS_KEY_INVALID',
    500,
    'the TLS private key file holds no PEM key that parses',
  ),
  KEY_MISMATCH: spec('FERRY_ERR_TLS_KEY_MISMATCH', 500, "the TLS private key is not the certificate's key"),
});

export type TlsErrorName = keyof typeof TlsErrors;

export function tlsError(name: TlsErrorName, detail: string): FerryError {
  return new FerryError(TlsErrors[name], detail);
}
