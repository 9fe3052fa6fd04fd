// A small real HTTP server on 127.0.0.1 that plays control for the agent tests: it records
// every heartbeat, answers a HeartbeatReply, and on command fails (500) or goes silent
// (takes the request and never answers).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Heartbeat, HeartbeatReply } from '@ferry/protocol';

export interface Received {
  id: string;
  body: Heartbeat;
  /** performance.now() when the request arrived */
  at: number;
}

export type ControlMode = 'ok' | 'fail' | 'silent';

export class FakeControl {
  readonly heartbeats: Received[] = [];
  /** every request, answered or not, with its arrival time */
  readonly attempts: number[] = [];
  mode: ControlMode = 'ok';
  intervalMs = 100;
  /** resync flags for the next reply only */
  private pending: Partial<Pick<HeartbeatReply, 'routesResync' | 'inventoryResync'>> = {};
  private readonly held: ServerResponse[] = [];
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  askResync(flags: Partial<Pick<HeartbeatReply, 'routesResync' | 'inventoryResync'>>): void {
    this.pending = { ...this.pending, ...flags };
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.attempts.push(at);
    const m = /^\/v1\/appliances\/([^/]+)\/heartbeat$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) {
      res.writeHead(404).end();
      return;
    }
    if (this.mode === 'silent') {
      this.held.push(res);
      return;
    }
    if (this.mode === 'fail') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'FERRY_ERR_TEST', message: 'failing on command' }));
      return;
    }
    this.heartbeats.push({
      id: decodeURIComponent(m[1]!),
      body: JSON.parse(Buffer.concat(chunks).toString()),
      at,
    });
    const reply: HeartbeatReply = {
      routesResync: this.pending.routesResync ?? false,
      inventoryResync: this.pending.inventoryResync ?? false,
      health: 'healthy',
      intervalMs: this.intervalMs,
    };
    this.pending = {};
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  }
}
