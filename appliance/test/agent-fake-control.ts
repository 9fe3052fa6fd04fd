// A small real HTTP server on 127.0.0.1 that plays control for the agent tests: it records
// every heartbeat, answers a HeartbeatReply, and on command fails (500) or goes silent
// (takes the request and never answers). Like control, it refuses a heartbeat without a
// Ferry-Sig signature (401), and verifies it against a key once the test trusts one. A
// chaos test puts orders in the replies (the `chaos` hook, support/chaos-control.ts). A fill
// test sets the manifest each appliance gets from `GET /v1/appliances/{id}/manifest`,
// signed like a heartbeat (refused without a signature, verified once a key is trusted).
import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type FillManifest,
  type Heartbeat,
  type HeartbeatReply,
  MemoryNonceCache,
  parseSignature,
  verifyRequest,
} from '@ferry/protocol';

export interface Received {
  id: string;
  body: Heartbeat;
  /** performance.now() when the request arrived */
  at: number;
  /** the signer named in the Authorization header */
  signer: string;
}

export type ControlMode = 'ok' | 'fail' | 'silent';

export class FakeControl {
  readonly heartbeats: Received[] = [];
  /** every request, answered or not, with its arrival time */
  readonly attempts: number[] = [];
  /** heartbeats refused for a missing or bad signature */
  readonly refused: string[] = [];
  mode: ControlMode = 'ok';
  intervalMs = 100;
  /** per appliance id, the manifest GET /v1/appliances/{id}/manifest answers (404 without one) */
  readonly manifests = new Map<string, FillManifest>();
  /** manifest requests that were answered, with their signer and arrival time */
  readonly manifestRequests: { id: string; signer: string; at: number }[] = [];
  /** the reply's `chaos` field for this heartbeat, sent as given; undefined: left out */
  chaos: ((hb: Heartbeat) => unknown) | undefined;
  /** resync flags for the next reply only */
  private pending: Partial<Pick<HeartbeatReply, 'routesResync' | 'inventoryResync'>> = {};
  private readonly held: ServerResponse[] = [];
  private readonly server: Server;
  private readonly trusted = new Map<string, KeyObject>();
  private readonly nonces = new MemoryNonceCache();
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** From now on, heartbeats of `id` must verify with `publicKey`. */
  trust(id: string, publicKey: KeyObject): void {
    this.trusted.set(id, publicKey);
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

  /** Why the signature is refused, or undefined when it is accepted. */
  private refusal(req: IncomingMessage, body: Buffer): string | undefined {
    const header = req.headers.authorization;
    const parsed = parseSignature(header);
    if (!parsed) return header ? 'MALFORMED' : 'MISSING';
    const key = this.trusted.get(parsed.id);
    if (!key) return undefined;
    const check = verifyRequest({
      header,
      request: { method: req.method ?? '', path: req.url ?? '', body },
      publicKeyOf: (id) => this.trusted.get(id),
      nonces: this.nonces,
      nowMs: Date.now(),
    });
    return check.ok ? undefined : check.reason;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.attempts.push(at);
    const manifest = /^\/v1\/appliances\/([^/]+)\/manifest$/.exec(req.url ?? '');
    if (req.method === 'GET' && manifest) {
      this.answerManifest(req, res, decodeURIComponent(manifest[1]!), at);
      return;
    }
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
    const body = Buffer.concat(chunks);
    const refused = this.refusal(req, body);
    if (refused) {
      this.refused.push(refused);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `FERRY_ERR_AUTH_SIGNATURE_${refused}`, message: 'refused' }));
      return;
    }
    const hb: Heartbeat = JSON.parse(body.toString());
    this.heartbeats.push({
      id: decodeURIComponent(m[1]!),
      body: hb,
      at,
      signer: parseSignature(req.headers.authorization)!.id,
    });
    const reply: Omit<HeartbeatReply, 'chaos'> & { chaos?: unknown } = {
      routesResync: this.pending.routesResync ?? false,
      inventoryResync: this.pending.inventoryResync ?? false,
      health: 'healthy',
      intervalMs: this.intervalMs,
    };
    const chaos = this.chaos?.(hb);
    if (chaos !== undefined) reply.chaos = chaos;
    this.pending = {};
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  }

  private answerManifest(req: IncomingMessage, res: ServerResponse, id: string, at: number): void {
    if (this.mode !== 'ok') {
      res.writeHead(500).end();
      return;
    }
    const refused = this.refusal(req, Buffer.alloc(0));
    if (refused) {
      this.refused.push(refused);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `FERRY_ERR_AUTH_SIGNATURE_${refused}`, message: 'refused' }));
      return;
    }
    const m = this.manifests.get(id);
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'FERRY_ERR_NOT_FOUND', message: 'no manifest' }));
      return;
    }
    this.manifestRequests.push({ id, signer: parseSignature(req.headers.authorization)!.id, at });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(m));
  }
}
