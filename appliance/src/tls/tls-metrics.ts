// Metrics of the viewers' TLS: handshakes by protocol, handshakes that failed, reloads and
// the certificate's remaining life. Registered on the appliance's registry; with --workers
// the primary sums the counters and takes the smallest remaining life.
import { Counter, Gauge, type Registry } from 'prom-client';

export class TlsMetrics {
  readonly handshakes: Counter<'protocol'>;
  readonly handshakeErrors: Counter<'reason'>;
  readonly reloads: Counter<'result'>;

  constructor(registry: Registry, notAfterMs: () => number) {
    const registers = [registry];
    this.handshakes = new Counter({
      name: 'ferry_tls_handshakes_total',
      help: "TLS handshakes completed on the viewers' port, by protocol (TLSv1.2, TLSv1.3)",
      labelNames: ['protocol'],
      registers,
    });
    this.handshakeErrors = new Counter({
      name: 'ferry_tls_handshake_errors_total',
      help: "TLS handshakes that failed on the viewers' port: protocol (version or cipher refused), timeout, other",
      labelNames: ['reason'],
      registers,
    });
    this.reloads = new Counter({
      name: 'ferry_tls_reloads_total',
      help: 'Reloads of the TLS certificate and key (SIGHUP): ok, failed (the pair in use is kept)',
      labelNames: ['result'],
      registers,
    });
    new Gauge({
      name: 'ferry_tls_certificate_expiry_seconds',
      help: 'Seconds until the served certificate expires (negative once it has)',
      registers,
      aggregator: 'min',
      collect() {
        this.set(Math.round((notAfterMs() - Date.now()) / 1000));
      },
    });
  }
}

/** A label for a failed handshake, from the error node reports on 'tlsClientError'. */
export function handshakeErrorReason(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (code === 'ECONNRESET') return 'reset';
  if (code.startsWith('ERR_SSL_')) {
    if (/VERSION|PROTOCOL|CIPHER|NO_SHARED|ALPN/.test(code)) return 'protocol';
    return 'ssl';
  }
  return 'other';
}
