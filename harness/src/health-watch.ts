// Control's view of each appliance's health over a run, polled tightly: the benchmarks report
// how long control took to notice a failure, so the poll interval bounds their precision.
import type { ControlClient, HealthStatus } from '@ferry/protocol';

export interface HealthChange {
  applianceId: string;
  atMs: number;
  from: HealthStatus | 'absent';
  to: HealthStatus | 'absent';
}

export interface HealthWatch {
  readonly changes: readonly HealthChange[];
  /** the first time after `sinceMs` control saw the appliance as anything but healthy */
  firstUnhealthy(applianceId: string, sinceMs: number): number | null;
  stop(): Promise<void>;
}

export function watchHealth(
  client: ControlClient,
  opts: { intervalMs?: number; maxPolls?: number } = {},
): HealthWatch {
  const changes: HealthChange[] = [];
  const last = new Map<string, HealthStatus | 'absent'>();
  const ac = new AbortController();
  const intervalMs = opts.intervalMs ?? 100;
  // Bounded: a run of an hour at 10 polls a second.
  const maxPolls = opts.maxPolls ?? 36_000;
  const loop = (async () => {
    for (let i = 0; i < maxPolls && !ac.signal.aborted; i++) {
      const list = await client.listAppliances({ signal: ac.signal }).catch(() => undefined);
      if (list) {
        const now = Date.now();
        const seen = new Set<string>();
        for (const a of list) {
          seen.add(a.id);
          const was = last.get(a.id) ?? 'absent';
          if (was !== a.health) changes.push({ applianceId: a.id, atMs: now, from: was, to: a.health });
          last.set(a.id, a.health);
        }
        for (const [id, was] of last) {
          if (!seen.has(id) && was !== 'absent') {
            changes.push({ applianceId: id, atMs: now, from: was, to: 'absent' });
            last.set(id, 'absent');
          }
        }
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    changes,
    firstUnhealthy(applianceId, sinceMs) {
      const c = changes.find((x) => x.applianceId === applianceId && x.atMs >= sinceMs && x.to !== 'healthy');
      return c ? c.atMs : null;
    },
    async stop() {
      ac.abort();
      await loop;
    },
  };
}
