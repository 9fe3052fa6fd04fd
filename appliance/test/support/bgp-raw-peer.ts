// A hand-driven BGP peer on a raw socket, for feeding a speaker bad or exact bytes and reading
// what it answers.
import { connect, type Socket } from 'node:net';
import { eventually } from '@ferry/harness';
import { expect } from 'vitest';
import { decodeMessage, encodeMessage, splitMessages } from '../../src/bgp/codec/codec.js';
import type { BgpMessage, OpenMessage } from '../../src/bgp/codec/types.js';
import type { BgpSpeaker } from '../../src/bgp/session/speaker.js';

export class RawPeer {
  private buf = Buffer.alloc(0);
  private readonly received: BgpMessage[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      const { messages, rest } = splitMessages(this.buf);
      this.buf = Buffer.from(rest);
      for (const m of messages) this.received.push(decodeMessage(m, { fourOctetAs: true }));
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, ...(localAddress ? { localAddress } : {}) }, () =>
        resolve(new RawPeer(s)),
      );
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(bytes: Buffer | Uint8Array): void {
    this.socket.write(bytes);
  }

  sendMessage(m: BgpMessage): void {
    this.socket.write(encodeMessage(m, { fourOctetAs: true }));
  }

  /** The next message from the speaker; rejects on close or after timeoutMs. */
  async next(timeoutMs = 5000): Promise<BgpMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received.shift()!;
  }

  /** Resolves true once the speaker has closed the connection. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function openFrom(asn: number, over: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 1,
    version: 4,
    myAs: asn > 0xffff ? 23456 : asn,
    holdTimeSec: 90,
    routerId: '10.9.9.9',
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'four-octet-as', asn },
    ],
    ...over,
  };
}

/**
 * The rest of the handshake once `peer` has sent its OPEN: the speaker's OPEN and KEEPALIVE
 * must come first, a KEEPALIVE answers them, and the speaker's (first) session must reach
 * Established within 5 s.
 */
export async function finishHandshake(
  peer: RawPeer,
  speaker: BgpSpeaker,
  what = 'established',
): Promise<void> {
  expect((await peer.next()).type).toBe(1);
  expect((await peer.next()).type).toBe(4);
  peer.sendMessage({ type: 4 });
  await eventually(() => speaker.status()[0]!.state === 'Established', {
    what,
    timeoutMs: 5000,
    intervalMs: 10,
  });
}
