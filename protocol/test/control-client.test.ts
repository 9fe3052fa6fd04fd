// ControlClient against a stand-in control on loopback: typed answers, and errors that name
// the call, the status and control's { error, message }, a deadline, a refused connection.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ControlClient,
  ControlClientError,
  generateSigningKeyPair,
  loadPrivateKey,
  MemoryNonceCache,
  parsePublicKey,
  verifyRequest,
} from '../src/index.js';

let server: Server;
let base = '';

const lookup = { ip: '10.0.0.1', prefix: '10.0.0.0/8', appliances: [], covering: [] };
/** what the last request to the stand-in carried */
const seen = { authorization: '' as string | undefined, url: '', body: '' };

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    Object.assign(seen, {
      authorization: req.headers.authorization,
      url: req.url,
      body: Buffer.concat(chunks).toString(),
    });
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (req.url?.startsWith('/v1/routes/lookup')) return send(200, JSON.stringify(lookup));
    if (req.url === '/v1/appliances/east-1/heartbeat')
      return send(200, '{"routesResync":false,"inventoryResync":false,"health":"healthy","intervalMs":1000}');
    if (req.url === '/v1/titles/nope')
      return send(404, '{"error":"FERRY_ERR_UNKNOWN_TITLE","message":"no such title: nope"}');
    if (req.url === '/v1/titles/bad') return send(200, '{"id":1}');
    if (req.url === '/v1/titles/text') return send(200, 'not json');
    if (req.url === '/v1/titles/t1/streams/t1-v/segments') {
      return send(
        200,
        JSON.stringify({
          titleId: 't1',
          streamId: 't1-v',
          segments: [{ index: 0, start: 0, length: 9, durationSec: 4 }],
        }),
      );
    }
    if (req.url === '/healthz') return; // never answers
    send(500, 'oops');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function failure(p: Promise<unknown>): Promise<ControlClientError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ControlClientError);
  return err as ControlClientError;
}

describe('ControlClient credentials', () => {
  it('sends the operator token as a bearer, and signs heartbeats with the appliance key instead', async () => {
    const pair = generateSigningKeyPair();
    const client = new ControlClient({ baseUrl: base, token: 'fop_test' });
    await client.lookupRoute('10.0.0.1');
    expect(seen.authorization).toBe('Bearer fop_test');
    const hb = '{"seq":1}';
    await client.heartbeat('east-1', hb, { signingKey: loadPrivateKey(pair.privateKeyPem) });
    expect(seen.authorization).toMatch(/^Ferry-Sig v=1,id=east-1,/);
    const check = verifyRequest({
      header: seen.authorization,
      request: { method: 'POST', path: seen.url, body: seen.body },
      publicKeyOf: () => parsePublicKey(pair.publicKey) ?? undefined,
      nonces: new MemoryNonceCache(),
      nowMs: Date.now(),
    });
    expect(check).toEqual({ ok: true, id: 'east-1' });
    // Unsigned, a heartbeat carries no credential at all (never the operator's).
    await client.heartbeat('east-1', hb);
    expect(seen.authorization).toBeUndefined();
  });
});

describe('ControlClient', () => {
  it('returns answers that match the schema', async () => {
    expect(await new ControlClient({ baseUrl: base }).lookupRoute('10.0.0.1')).toEqual(lookup);
  });

  it("names the status and control's error code and message", async () => {
    const err = await failure(new ControlClient({ baseUrl: base }).getTitle('nope'));
    expect(err.code).toBe('FERRY_ERR_CONTROL_STATUS');
    expect(err.status).toBe(404);
    expect(err.errorCode).toBe('FERRY_ERR_UNKNOWN_TITLE');
    expect(err.message).toBe('GET /v1/titles/nope: HTTP 404 FERRY_ERR_UNKNOWN_TITLE: no such title: nope');
  });

  it('refuses answers that are not JSON or do not match the schema', async () => {
    const client = new ControlClient({ baseUrl: base });
    expect((await failure(client.getTitle('text'))).code).toBe('FERRY_ERR_CONTROL_NOT_JSON');
    const bad = await failure(client.getTitle('bad'));
    expect(bad.code).toBe('FERRY_ERR_CONTROL_INVALID_ANSWER');
    expect(bad.message).toMatch(/^GET \/v1\/titles\/bad: answer does not match the schema/);
  });

  it('follows a segment index path of this control only, with the credentials kept home', async () => {
    const client = new ControlClient({ baseUrl: base, token: 'fop_secret' });
    expect(await client.segmentIndex('/v1/titles/t1/streams/t1-v/segments')).toMatchObject({
      streamId: 't1-v',
    });
    for (const indexUrl of [
      `//127.0.0.1:1/v1/titles/t1/streams/t1-v/segments`,
      'http://elsewhere.test/x',
      '/v1/appliances',
    ]) {
      seen.url = '';
      expect((await failure(client.segmentIndex(indexUrl))).code).toBe('FERRY_ERR_CONTROL_INVALID_ANSWER');
      expect(seen.url).toBe('');
    }
  });

  it('gives up at its deadline, and rethrows the caller’s own abort reason', async () => {
    const client = new ControlClient({ baseUrl: base, timeoutMs: 100 });
    const err = await failure(client.healthz());
    expect(err.code).toBe('FERRY_ERR_CONTROL_TIMEOUT');
    expect(err.message).toBe('GET /healthz: no answer in 100 ms');
    const reason = new Error('viewer stopped');
    const ac = new AbortController();
    setTimeout(() => ac.abort(reason), 20);
    await expect(client.healthz({ signal: ac.signal, timeoutMs: 0 })).rejects.toBe(reason);
  });

  it('says when control is unreachable', async () => {
    const err = await failure(new ControlClient({ baseUrl: 'http://127.0.0.1:1' }).healthz());
    expect(err.code).toBe('FERRY_ERR_CONTROL_UNREACHABLE');
    expect(err.message).toMatch(/^GET \/healthz: control at http:\/\/127\.0\.0\.1:1 is unreachable/);
  });
});
