// A client that stops reading is cut off after the idle timeout: the transfer ends with
// FERRY_SEND_TIMEOUT and the connection is closed.
import { eventually } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAndRequest, type Fixture, senderKinds, startFixture } from './sendfile-fixture.js';

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
    expect(await eventually(() => fx.outcomes.length === 1, { timeoutMs: 10_000, intervalMs: 20 })).toBe(
      true,
    );
    const waited = Date.now() - started;
    expect(fx.outcomes[0]).toMatchObject({ ok: false, path: kind, error: 'FERRY_SEND_TIMEOUT' });
    expect(fx.outcomes[0]!.bytes).toBeGreaterThan(0);
    expect(fx.outcomes[0]!.bytes).toBeLessThan(SIZE);
    expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 50);
    // The client still has unread data buffered; once it reads, it finds the connection gone.
    socket.resume();
    expect(await eventually(() => closed, { timeoutMs: 10_000, intervalMs: 20 })).toBe(true);
    expect(fx.sender.active).toBe(0);
  });

  it('close() ends transfers in flight with FERRY_SEND_ABORTED and closes their connections', async () => {
    const other = await startFixture(kind, { size: SIZE });
    try {
      const sockets = await Promise.all(
        [1, 2, 3].map(() => connectAndRequest(other.port, `/?p=f:0:${SIZE}`)),
      );
      const closed = sockets.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
      await other.sender.close();
      expect(await eventually(() => other.outcomes.length === 3, { timeoutMs: 5000, intervalMs: 20 })).toBe(
        true,
      );
      for (const o of other.outcomes) expect(o).toMatchObject({ ok: false, error: 'FERRY_SEND_ABORTED' });
      // The clients stalled; once they read, they find the connections closed.
      for (const s of sockets) {
        s.on('error', () => {});
        s.resume();
      }
      await Promise.all(closed);
      expect(other.sender.active).toBe(0);
    } finally {
      await other.stop();
    }
  });
});
