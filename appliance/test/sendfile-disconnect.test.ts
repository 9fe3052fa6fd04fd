// Clients that go away mid-transfer leave nothing behind: no descriptors (the engine's dup
// of the socket, the file) and no transfer counted as active.
import { eventually } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAndRequest, type Fixture, openFds, senderKinds, startFixture } from './sendfile-fixture.js';

const SIZE = 32 * 1024 * 1024;
const ROUNDS = 500;
const CONCURRENCY = 25;

describe.each(senderKinds)('%s sender: clients that disconnect mid-transfer', (kind) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture(kind, { size: SIZE });
  });
  afterAll(() => fx.stop());

  const connections = () =>
    new Promise<number>((resolve, reject) =>
      fx.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
    );

  it(`${ROUNDS} disconnects after the first bytes leak no fds and leave no active transfers`, async () => {
    const fdsBefore = openFds();
    let next = 0;
    const lane = async () => {
      while (next < ROUNDS) {
        next++;
        const socket = await connectAndRequest(fx.port, `/?p=f:0:${SIZE}`);
        socket.destroy();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));

    let open = -1;
    // The assertion is retried until it holds, so a failure shows the last counts seen.
    await eventually(
      () => {
        void connections().then((n) => {
          open = n;
        });
        const settled = fx.sender.active === 0 && open === 0 && fx.outcomes.length === ROUNDS;
        expect(settled, `active=${fx.sender.active} connections=${open} outcomes=${fx.outcomes.length}`).toBe(
          true,
        );
      },
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    expect(openFds()).toBe(fdsBefore);
    expect(fx.outcomes.every((o) => !o.ok && o.path === kind)).toBe(true);
    // Whichever the socket reported first: our abort on 'close', or the kernel's error.
    const codes = new Set(fx.outcomes.map((o) => o.error));
    for (const code of codes) expect(code).toMatch(/^FERRY_SEND_(ABORTED|ECONNRESET|EPIPE)$/);
    if ('stats' in fx.sender) {
      const stats = (fx.sender as { stats(): { active: number } }).stats();
      expect(stats.active).toBe(0);
    }
  });
});
