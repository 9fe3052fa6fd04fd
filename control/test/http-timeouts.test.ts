// Regression: control held slowloris connections for Node's defaults (60 s headers, checked
// every 30 s). With its own per-phase limits a client sending headers one byte at a time is
// cut off within the header timeout (plus Node's 1 s check interval), while a 10 MB heartbeat
// part whose body takes longer than the header timeout still gets through.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, heartbeat, slash24, startFixture } from './helpers/control-fixture.js';

const HEADERS_MS = 1000;
let f: Fixture;
let port = 0;

beforeAll(async () => {
  f = await startFixture({
    http: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: 6000, keepAliveTimeoutMs: 5000 },
  });
  port = Number(new URL(f.base).port);
});

afterAll(async () => {
  await f?.close();
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with the ms until the server closed the socket and what it sent. */
function closedAfter(s: Socket, started: number): Promise<{ ms: number; text: string }> {
  let text = '';
  s.on('data', (d) => {
    text += d.toString('latin1');
  });
  s.on('error', () => {});
  return new Promise((resolve) => s.once('close', () => resolve({ ms: performance.now() - started, text })));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('control HTTP timeouts', () => {
  it('cuts off slowloris clients within the header timeout', async () => {
    const head = 'POST /v1/steer HTTP/1.1\r\nHost: control\r\nContent-Type: application/json\r\nX-Slow: ';
    const sockets = await Promise.all(Array.from({ length: 20 }, open));
    const started = performance.now();
    const closed = sockets.map((s) => closedAfter(s, started));
    let open_ = true;
    void Promise.all(closed).then(() => {
      open_ = false;
    });
    // One byte a second per socket, for at most 6 s (the test's bound, not the server's).
    for (let i = 0; open_ && i < 6; i++) {
      for (const s of sockets) if (!s.destroyed) s.write(head[i] ?? 'x');
      await sleep(1000);
    }
    const results = await Promise.all(closed);
    for (const r of results) {
      expect(r.ms).toBeLessThan(HEADERS_MS + 1500);
      expect(r.text).toMatch(/^HTTP\/1\.1 408/);
    }
  });

  it('lets a large heartbeat part through although its body takes longer than the header timeout', async () => {
    const asPath = Array.from({ length: 80 }, (_, i) => 64_512 + i);
    const routes = Array.from({ length: 20_000 }, (_, i) => ({
      prefix: slash24(i),
      peer: '192.0.2.1',
      asPath,
    }));
    const body = Buffer.from(
      JSON.stringify(heartbeat(f, { kind: 'snapshot', epoch: 'e', version: 1, routes })),
    );
    expect(body.length).toBeGreaterThan(8 * 1024 * 1024);
    await f.fleet.enroll('big', 'isp-a', ['127.0.0.1']);
    const path = '/v1/appliances/big/heartbeat';
    const auth = f.fleet.headers('POST', path, body.toString('utf8')).authorization;
    const s = await open();
    const started = performance.now();
    const done = closedAfter(s, started);
    s.write(
      `POST ${path} HTTP/1.1\r\nHost: control\r\nContent-Type: application/json\r\n` +
        `Authorization: ${auth}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    // The body in 16 pieces over about 2 s: longer than the header timeout, within the request timeout.
    const piece = Math.ceil(body.length / 16);
    for (let off = 0; off < body.length; off += piece) {
      s.write(body.subarray(off, off + piece));
      await sleep(125);
    }
    const r = await done;
    expect(r.ms).toBeGreaterThan(HEADERS_MS * 1.5);
    expect(r.text).toMatch(/^HTTP\/1\.1 200/);
    expect(f.control.model.routes.count('big')).toBe(20_000);
  });
});
