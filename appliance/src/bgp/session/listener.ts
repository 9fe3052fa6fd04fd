// The passive side: one TCP server (--bgp-listen) that hands each accepted connection to the
// neighbor configured for its remote address. A connection nobody is waiting for gets a
// NOTIFICATION Cease / Connection Rejected (RFC 4486 §4) and is closed.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { encodeMessage } from '../codec/codec.js';
import { ErrorCode, MessageType } from '../codec/types.js';
import { CeaseSubcode } from './fsm-types.js';
import { canonicalAddress } from './neighbors.js';

export interface ListenerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Offers the socket to the neighbor for this address; false when none takes it. */
  accept(remoteAddress: string, socket: Socket): boolean;
}

const REJECT_GRACE_MS = 2000;

export class BgpListener {
  private readonly server: Server;
  private readonly rejected = new Set<Socket>();

  constructor(private readonly opts: ListenerOptions) {
    this.server = createServer((socket) => this.onConnection(socket));
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(
          typeof a === 'object' && a ? { host: a.address, port: a.port } : { host: this.opts.host, port: 0 },
        );
      });
    });
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
    if (this.opts.accept(remote, socket)) return;
    this.opts.logger.warn(
      { remote },
      'bgp connection from an unexpected address or a busy neighbor: rejected',
    );
    const cease = encodeMessage(
      {
        type: MessageType.NOTIFICATION,
        code: ErrorCode.CEASE,
        subcode: CeaseSubcode.CONNECTION_REJECTED,
        data: new Uint8Array(0),
      },
      { fourOctetAs: false },
    );
    this.rejected.add(socket);
    socket.on('close', () => this.rejected.delete(socket));
    socket.end(cease);
    setTimeout(() => socket.destroy(), REJECT_GRACE_MS).unref();
  }
}
