// A client that stops reading is cut off after the idle timeout: the transfer ends with
// FERRY_SEND_TIMEOUT and the connection is closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAndRequest, type Fixture, senderKinds, startFixture, until } from './sendfile-fixture.js';

const SIZE = 32 * 1024 * 1024;
const IDLE_MS = 300;

describe.each(senderKinds)('%s sender: idle timeout', (kind) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture(kind, { size: SIZE, idleTimeoutMs: IDLE_MS });
  });
  afterAll(() => fx.stop());

  it('ends a stalled transfer with FERRY_SEND_TIMEOUT and closes the connection', async () => {
    const socket = await connectAndRequest(fx.port, `/?p=f:0:${SIZE}`);
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {});
    const started = Date.now();
    expect(await until(() => fx.outcomes.length === 1, 10_000)).toBe(true);
    const waited = Date.now() - started;
    expect(fx.outcomes[0]).toMatchObject({ ok: false, path: kind, error: 'FERRY_SEND_TIMEOUT' });
    expect(fx.outcomes[0]!.bytes).toBeGreaterThan(0);
    expect(fx.outcomes[0]!.bytes).toBeLessThan(SIZE);
    expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 50);
    // The client still has unread data buffered; once it reads, it finds the connection gone.
    socket.resume();
    expect(await until(() => closed, 10_000)).toBe(true);
    expect(fx.sender.active).toBe(0);
  });
});
