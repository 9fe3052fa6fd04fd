// The throttle fault: caps on the send rate, for the whole appliance (one bucket every
// transfer shares) and per connection (a bucket per socket). The body senders ask it before
// every piece they write (sendfile/body-sender.ts SendPacer); with no throttle running it
// answers null and bodies go as they always do. Several throttles at once: the lowest cap
// of each kind wins; reverting one puts the others' caps (or none) back.
import type { Socket } from 'node:net';
import type { ChaosParams } from '@ferry/protocol';
import type { SendPacer } from '../sendfile/body-sender.js';
import { burstFor, TokenBucket } from './token-bucket.js';

interface Caps {
  bytesPerSec?: number;
  perConnectionBytesPerSec?: number;
}

export class SendThrottle implements SendPacer {
  private readonly caps = new Map<string, Caps>();
  private global: TokenBucket | undefined;
  private perConnection: number | undefined;
  /** per-connection buckets of the current caps; replaced whenever the caps change */
  private buckets = new WeakMap<Socket, TokenBucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** True while some throttle is running. */
  get active(): boolean {
    return this.caps.size > 0;
  }

  set(experimentId: string, params: ChaosParams): void {
    this.caps.set(experimentId, {
      ...(params.bytesPerSec !== undefined ? { bytesPerSec: params.bytesPerSec } : {}),
      ...(params.perConnectionBytesPerSec !== undefined
        ? { perConnectionBytesPerSec: params.perConnectionBytesPerSec }
        : {}),
    });
    this.rebuild();
  }

  clear(experimentId: string): void {
    if (this.caps.delete(experimentId)) this.rebuild();
  }

  grant(socket: Socket, wanted: number): { bytes: number; waitMs: number } | null {
    if (!this.global && this.perConnection === undefined) return null;
    let conn: TokenBucket | undefined;
    if (this.perConnection !== undefined) {
      conn = this.buckets.get(socket);
      if (!conn) {
        conn = new TokenBucket(this.perConnection, burstFor(this.perConnection), this.now);
        this.buckets.set(socket, conn);
      }
    }
    const bytes = Math.max(1, Math.min(wanted, this.global?.burst ?? Infinity, conn?.burst ?? Infinity));
    const waitMs = Math.max(this.global?.take(bytes) ?? 0, conn?.take(bytes) ?? 0);
    return { bytes, waitMs };
  }

  private rebuild(): void {
    const lowest = (pick: (c: Caps) => number | undefined) => {
      const caps = [...this.caps.values()].map(pick).filter((v): v is number => v !== undefined);
      return caps.length > 0 ? Math.min(...caps) : undefined;
    };
    const total = lowest((c) => c.bytesPerSec);
    this.global = total !== undefined ? new TokenBucket(total, burstFor(total), this.now) : undefined;
    this.perConnection = lowest((c) => c.perConnectionBytesPerSec);
    this.buckets = new WeakMap();
  }
}
