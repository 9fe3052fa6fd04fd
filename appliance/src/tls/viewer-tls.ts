// HTTPS on the viewers' port: the certificate pair in use, its reload (SIGHUP: read both
// files again and swap the server's secure context; connections already open keep the one
// they negotiated), what /v1/status says and the handshake metrics.
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket, TlsOptions } from 'node:tls';
import { isFerryError } from '@ferry/protocol';
import type { Registry } from 'prom-client';
import type { Logger } from '../ops/logger.js';
import { type CertificateInfo, type CertPair, loadCertPair } from './certificate.js';
import type { KtlsProbe } from './ktls.js';
import { secureContextOptions, TLS_PROTOCOLS, viewerTlsOptions } from './server-options.js';
import { handshakeErrorReason, TlsMetrics } from './tls-metrics.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsReload {
  atMs: number;
  why: string;
  result: 'ok' | 'failed';
  error?: string;
}

export type TlsStatus =
  | { enabled: false; bodyPath: 'sendfile' | 'copy' }
  | {
      enabled: true;
      protocols: string[];
      certificate: CertificateInfo;
      certFile: string;
      keyFile: string;
      lastReload: TlsReload | null;
      ktls: KtlsProbe;
      bodyPath: 'sendfile' | 'copy';
    };

export class ViewerTls {
  private server: HttpsServer | undefined;
  private last: TlsReload | null = null;
  private metrics: TlsMetrics | undefined;
  private reloading: Promise<TlsReload> | undefined;

  private constructor(
    private readonly files: TlsFiles,
    private pair: CertPair,
    readonly ktls: KtlsProbe,
    private readonly logger: Logger,
  ) {}

  /** Reads and checks the pair: throws a FERRY_ERR_TLS_ error, and the appliance does not start. */
  static async open(files: TlsFiles, ktls: KtlsProbe, logger: Logger): Promise<ViewerTls> {
    const pair = await loadCertPair(files.certFile, files.keyFile);
    return new ViewerTls(files, pair, ktls, logger);
  }

  /** The options the viewers' listener is created with. */
  serverOptions(handshakeTimeoutMs: number): TlsOptions {
    return viewerTlsOptions(this.pair, handshakeTimeoutMs);
  }

  countIn(registry: Registry): void {
    this.metrics = new TlsMetrics(registry, () => this.pair.notAfterMs);
  }

  /** Follows the listener's handshakes (metrics) and takes its secure context on reloads. */
  attach(server: HttpsServer): void {
    this.server = server;
    server.on('secureConnection', (socket: TLSSocket) => {
      this.metrics?.handshakes.inc({ protocol: socket.getProtocol() ?? 'unknown' });
    });
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      this.metrics?.handshakeErrors.inc({ reason: handshakeErrorReason(err) });
      this.logger.debug({ code: err.code, remote: socket.remoteAddress }, 'TLS handshake failed');
      socket.destroy();
    });
  }

  get certificate(): CertificateInfo {
    return this.pair.info;
  }

  /**
   * Reads both files again; a pair that passes replaces the server's secure context for
   * new connections, one that does not keeps the pair in use (logged, counted). Never throws.
   */
  reload(why: string): Promise<TlsReload> {
    // Two SIGHUPs in a row read the files once each, one after the other.
    const prev = this.reloading ?? Promise.resolve();
    const next = prev.then(() => this.reloadNow(why));
    this.reloading = next;
    return next;
  }

  private async reloadNow(why: string): Promise<TlsReload> {
    let result: TlsReload;
    try {
      const pair = await loadCertPair(this.files.certFile, this.files.keyFile);
      this.server?.setSecureContext(secureContextOptions(pair));
      this.pair = pair;
      result = { atMs: Date.now(), why, result: 'ok' };
      this.logger.info({ why, certificate: pair.info }, 'TLS certificate reloaded');
    } catch (err) {
      const code = isFerryError(err) ? err.code : 'FERRY_ERR_INTERNAL';
      result = { atMs: Date.now(), why, result: 'failed', error: (err as Error).message };
      this.logger.error(
        { why, code, err: (err as Error).message, kept: this.pair.info },
        'TLS certificate reload failed; the certificate in use is kept',
      );
    }
    this.metrics?.reloads.inc({ result: result.result });
    this.last = result;
    return result;
  }

  status(bodyPath: 'sendfile' | 'copy'): TlsStatus {
    return {
      enabled: true,
      protocols: [...TLS_PROTOCOLS],
      certificate: this.pair.info,
      certFile: this.files.certFile,
      keyFile: this.files.keyFile,
      lastReload: this.last,
      ktls: this.ktls,
      bodyPath,
    };
  }
}
