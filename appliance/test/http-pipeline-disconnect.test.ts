// Regression: pipelined requests followed by a client disconnect left requestsInFlight
// stuck (node never emits 'close' on a response still queued behind another), so drain
// never finished and SIGTERM waited out the whole drain timeout.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';

const BIG = 8 * 1024 * 1024;

describe('in-flight accounting with pipelining', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture({ files: { big: BIG }, config: { bodySender: 'auto' } });
  });
  afterAll(() => fx.stop());

  const settle = async () => {
    for (let i = 0; i < 100 && fx.app.server.requestsInFlight > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    return fx.app.server.requestsInFlight;
  };

  it.each([
    ['after a little of the first body', 64 * 1024],
    ['before any byte is read', 0],
  ])('returns to 0 when the client leaves %s', async (_what, readFirst) => {
    const n = 40;
    const socket = connect(fx.app.address.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.on('error', () => {});
    socket.write('GET /v1/c/big HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(n));
    let got = 0;
    await new Promise<void>((resolve) => {
      if (readFirst === 0) setTimeout(resolve, 200);
      socket.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= readFirst) {
          socket.pause();
          resolve();
        }
      });
    });
    // Every pipelined request has reached the handler (the parser read them all).
    for (let i = 0; i < 50 && fx.app.server.requestsInFlight < n; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(fx.app.server.requestsInFlight).toBe(n);
    socket.destroy();
    expect(await settle()).toBe(0);
  });

  it('lets a drain finish after such a disconnect', async () => {
    const socket = connect(fx.app.address.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /v1/c/big HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(10));
    await new Promise((r) => socket.once('data', r));
    socket.destroy();
    const drained = await Promise.race([
      fx.app.server.drain().then(() => 'drained'),
      new Promise((r) => setTimeout(r, 3000, 'stuck')),
    ]);
    expect(drained).toBe('drained');
  });
});
