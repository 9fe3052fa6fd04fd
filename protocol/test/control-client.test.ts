// ControlClient against a stand-in control on loopback: typed answers, and errors that name
// the call, the status and control's { error, message }, a deadline, a refused connection.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, ControlClientError } from '../src/index.js';

let server: Server;
let base = '';

const lookup = { ip: '10.0.0.1', prefix: '10.0.0.0/8', appliances: [], covering: [] };

beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (req.url?.startsWith('/v1/routes/lookup')) return send(200, JSON.stringify(lookup));
    if (req.url === '/v1/titles/nope')
      return send(404, '{"error":"FERRY_ERR_UNKNOWN_TITLE","message":"no such title: nope"}');
    if (req.url === '/v1/titles/bad') return send(200, '{"id":1}');
    if (req.url === '/v1/titles/text') return send(200, 'not json');
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
