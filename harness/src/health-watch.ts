// Control's view of each appliance's health over a run, polled tightly: the benchmarks report
// how long control took to notice a failure, so the poll interval bounds their precision.
// The same polls keep each appliance's recent load, so a game day can aim at the appliance
// that has been sending the most (a single reading is often zero: viewers fetch in bursts).
import type { ApplianceView, ControlClient, HealthStatus } from '@ferry/protocol';

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
  /**
   * The site's healthy, serving, chaos-on appliance (as last seen) with the highest mean
   * reported load over the last `windowMs`; undefined when none qualifies.
   */
  busiest(site: string, windowMs?: number): string | undefined;
  stop(): Promise<void>;
}

export function watchHealth(
  client: ControlClient,
  opts: { intervalMs?: number; maxPolls?: number } = {},
): HealthWatch {
  const changes: HealthChange[] = [];
  const last = new Map<string, HealthStatus | 'absent'>();
  let latest: readonly ApplianceView[] = [];
  const loads: { atMs: number; id: string; bps: number }[] = [];
  const ac = new AbortController();
  const intervalMs = opts.intervalMs ?? 100;
  // Bounded: a run of an hour at 10 polls a second.
  const maxPolls = opts.maxPolls ?? 36_000;
  const loop = (async () => {
    for (let i = 0; i < maxPolls && !ac.signal.aborted; i++) {
      const list = await client.listAppliances({ signal: ac.signal }).catch(() => undefined);
      if (list) {
        const now = Date.now();
        latest = list;
        for (const a of list) loads.push({ atMs: now, id: a.id, bps: a.loadBps });
        // A minute of samples is more than any window asked for.
        while (loads.length > 0 && loads[0]!.atMs < now - 60_000) loads.shift();
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
    busiest(site, windowMs = 10_000) {
      const since = Date.now() - windowMs;
      const mean = (id: string) => {
        const xs = loads.filter((l) => l.id === id && l.atMs >= since);
        return xs.length === 0 ? 0 : xs.reduce((n, l) => n + l.bps, 0) / xs.length;
      };
      return latest
        .filter(
          (a) =>
            a.site === site && a.health === 'healthy' && a.reportedState === 'serving' && a.chaos === 'on',
        )
        .map((a) => ({ id: a.id, load: mean(a.id) }))
        .sort((a, b) => b.load - a.load || a.id.localeCompare(b.id))[0]?.id;
    },
    async stop() {
      ac.abort();
      await loop;
    },
  };
}
