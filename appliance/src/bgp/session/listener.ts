// The passive side: one TCP server (--bgp-listen) that hands each accepted connection to the
// neighbor configured for its remote address. A connection nobody takes gets a NOTIFICATION
// Cease (RFC 4486 §4: 6/5 Connection Rejected, or 6/7 Connection Collision Resolution) and is
// closed without a byte of it being read; refusals are counted and logged at a bounded rate.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { encodeMessage } from '../codec/codec.js';
import { ErrorCode, MessageType } from '../codec/types.js';
import { LogLimiter } from './log-limit.js';
import { canonicalAddress } from './neighbors.js';
import { setListenerKey } from './tcp-md5.js';

/** Why a connection was refused; the label of the refused-connections metric. */
export type RefusalKind = 'unknown-address' | 'collision' | 'not-accepting';

export interface Refusal {
  kind: RefusalKind;
  /** Cease subcode sent before closing (RFC 4486 §4) */
  subcode: number;
  reason: string;
}

export interface ListenerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Offers the socket to the neighbor for this address; undefined when taken, else why not. */
  accept(remoteAddress: string, socket: Socket): Refusal | undefined;
  /** called for every refused connection (metrics) */
  onRefused?(refusal: Refusal, remoteAddress: string): void;
  /** RFC 2385 keys per peer address, set on the listening socket before anyone connects */
  md5Keys?: { address: string; password: string }[];
}

/** How long a refused connection may take to flush its NOTIFICATION before it is destroyed. */
const REJECT_GRACE_MS = 1000;
/** Refused connections left flushing at once; beyond this they are destroyed without a word. */
const MAX_LINGERING = 64;

export class BgpListener {
  private readonly server: Server;
  private readonly rejected = new Set<Socket>();
  private readonly logLimit = new LogLimiter();

  constructor(private readonly opts: ListenerOptions) {
    this.server = createServer((socket) => this.onConnection(socket));
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        try {
          this.setKeys();
        } catch (err) {
          this.server.close();
          reject(err);
          return;
        }
        const a = this.server.address();
        resolve(
          typeof a === 'object' && a ? { host: a.address, port: a.port } : { host: this.opts.host, port: 0 },
        );
      });
    });
  }

  /**
   * Accepted connections inherit the listener's keys (linux copies them to the child
   * socket), so a peer with a key is checked from its SYN on; one without is dropped by the
   * kernel before any byte reaches us.
   */
  private setKeys(): void {
    const keys = this.opts.md5Keys ?? [];
    if (keys.length === 0) return;
    const fd = (this.server as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) throw new Error('the BGP listener has no file descriptor');
    for (const k of keys) setListenerKey(fd, k.address, k.password);
  }

  /**
   * Stops accepting at once; resolves when every connection the server accepted has closed
   * (the sessions holding them close theirs).
   */
  close(): Promise<void> {
    for (const s of this.rejected) s.destroy();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    const remote = canonicalAddress(socket.remoteAddress ?? '');
    socket.on('error', () => {});
    const refusal = this.opts.accept(remote, socket);
    if (!refusal) return;
    this.opts.onRefused?.(refusal, remote);
    this.log(refusal, remote);
    this.reject(socket, refusal.subcode);
  }

  private log(refusal: Refusal, remote: string): void {
    const suppressed = this.logLimit.take(refusal.kind);
    if (suppressed === undefined) return;
    this.opts.logger.warn(
      { remote, kind: refusal.kind, reason: refusal.reason, suppressed },
      `bgp connection refused: ${refusal.reason}`,
    );
  }

  private reject(socket: Socket, subcode: number): void {
    if (this.rejected.size >= MAX_LINGERING) {
      socket.destroy();
      return;
    }
    const cease = encodeMessage(
      { type: MessageType.NOTIFICATION, code: ErrorCode.CEASE, subcode, data: new Uint8Array(0) },
      { fourOctetAs: false },
    );
    this.rejected.add(socket);
    socket.on('close', () => this.rejected.delete(socket));
    socket.end(cease);
    setTimeout(() => socket.destroy(), REJECT_GRACE_MS).unref();
  }
}
