// The few control API calls the bench driver makes besides heartbeats: post the catalog,
// wait for every appliance to be healthy with its routes in, steer once, read /metrics.

import { waitUntil } from '@ferry/harness';
import { type ApplianceView, ControlClient } from '@ferry/protocol';
import { type DecisionCounts, gaugeMs, parseDecisions } from './decisions.js';

// A 200-title catalog and a first steering answer under load can take long on a busy machine.
const TIMEOUT_MS = 120_000;

/** Control's address, and the operator token the bench created for it (for protected calls). */
export interface ControlTarget {
  readonly baseUrl: string;
  readonly token?: string;
}

function client(target: string | ControlTarget): ControlClient {
  const t = typeof target === 'string' ? { baseUrl: target } : target;
  return new ControlClient({
    baseUrl: t.baseUrl,
    timeoutMs: TIMEOUT_MS,
    ...(t.token ? { token: t.token } : {}),
  });
}

export async function postCatalog(control: ControlTarget, catalogJson: string): Promise<void> {
  await client(control).postCatalog(catalogJson);
}

export function listAppliances(control: ControlTarget): Promise<ApplianceView[]> {
  return client(control).listAppliances();
}

/** Waits until `count` appliances are healthy, each with routes and files. */
export async function waitHealthy(control: ControlTarget, count: number, timeoutMs: number): Promise<void> {
  let last = '';
  try {
    await waitUntil(
      async () => {
        const all = await listAppliances(control);
        const ready = all.filter((a) => a.health === 'healthy' && a.routes > 0 && a.files > 0);
        const bad = all.find((a) => a.health !== 'healthy');
        last = `${ready.length}/${count} ready${bad ? `; e.g. ${bad.id} ${bad.health}: ${bad.healthReason ?? ''}` : ''}`;
        return ready.length >= count;
      },
      { what: 'appliances healthy in control', timeoutMs, intervalMs: 250 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${last}`);
  }
}

export interface SteerCheck {
  readonly status: number;
  readonly text: string;
}

/** One steering call, answered raw: the anchor server's answers are judged the same way. */
export async function steerOnce(baseUrl: string, body: string, xff: string): Promise<SteerCheck> {
  return client(baseUrl).send('POST', '/v1/steer', body, { headers: { 'x-forwarded-for': xff } });
}

/** Why a steering answer is not a full one (every stream with at least one URL), or ''. */
export function checkAnswer(check: SteerCheck): string {
  if (check.status !== 200) return `status ${check.status}: ${check.text.slice(0, 300)}`;
  const a = JSON.parse(check.text) as { streams?: { urls?: { url?: string }[] }[] };
  if (!a.streams?.length) return 'no streams';
  const bare = a.streams.findIndex((s) => !s.urls?.length || !s.urls[0]?.url?.includes('/v1/c/'));
  return bare >= 0 ? `stream ${bare} has no URL` : '';
}

export interface ControlScrape {
  readonly decisions: DecisionCounts;
  readonly loopP99Ms: number | null;
  readonly loopMaxMs: number | null;
}

export async function scrapeControl(controlUrl: string): Promise<ControlScrape> {
  const text = await client(controlUrl).metrics();
  return {
    decisions: parseDecisions(text),
    loopP99Ms: gaugeMs(text, 'nodejs_eventloop_lag_p99_seconds'),
    loopMaxMs: gaugeMs(text, 'nodejs_eventloop_lag_max_seconds'),
  };
}

/** Health transitions out of `healthy` since `sinceMs`, counted by reason (digits folded). */
export async function healthLosses(control: ControlTarget, sinceMs: number): Promise<Map<string, number>> {
  const { events } = await client(control).events({ since: sinceMs, limit: 10_000 });
  const byReason = new Map<string, number>();
  for (const ev of events) {
    if (ev.kind !== 'health' || ev.to === 'healthy') continue;
    const reason = `${ev.to}: ${(ev.reason ?? '').replace(/\d+(\.\d+)?/g, 'N')}`;
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  return byReason;
}
