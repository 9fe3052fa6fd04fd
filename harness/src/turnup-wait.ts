// Control steers to an appliance only once its turn-up checks pass (docs/install.md "Turn-up"): right
// after start its first heartbeat says `control` failed (no heartbeat accepted yet) and an
// appliance filling from an origin fails `test-range` until it holds a file. A test or demo
// that steers right after the appliances come up waits for this first.
import type { ControlClient } from '@ferry/protocol';
import { waitUntil } from './eventually.js';

export async function waitTurnedUp(
  client: ControlClient,
  ids: readonly string[],
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  let pending: string[] = [...ids];
  await waitUntil(
    async () => {
      const list = await client.listAppliances({ signal: opts.signal }).catch(() => []);
      const passed = new Set(list.filter((a) => a.turnup === undefined || a.turnup.passed).map((a) => a.id));
      pending = ids.filter((id) => !passed.has(id));
      return pending.length === 0;
    },
    {
      what: `turn-up checks passing at control (${ids.join(', ')})`,
      timeoutMs: opts.timeoutMs ?? 30_000,
      intervalMs: 200,
    },
  );
}
