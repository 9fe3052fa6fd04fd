// The few control API calls the bench driver makes besides heartbeats: post the catalog,
// wait for every appliance to be healthy with its routes in, steer once, read /metrics.

import { waitUntil } from '@ferry/harness';
import { request } from 'undici';
import { type DecisionCounts, gaugeMs, parseDecisions } from './decisions.js';

const TIMEOUT_MS = 120_000;

async function call(
  url: string,
  init: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  const res = await request(url, {
    method: init.method ?? 'GET',
    body: init.body,
    headers: init.body ? { 'content-type': 'application/json', ...init.headers } : init.headers,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

export async function postCatalog(controlUrl: string, catalogJson: string): Promise<void> {
  const r = await call(`${controlUrl}/v1/catalog`, { method: 'POST', body: catalogJson });
  if (r.status !== 200) throw new Error(`POST /v1/catalog: ${r.status} ${r.text.slice(0, 300)}`);
}

interface ApplianceView {
  id: string;
  health: string;
  healthReason?: string;
  routes: number;
  files: number;
}

export async function listAppliances(controlUrl: string): Promise<ApplianceView[]> {
  const r = await call(`${controlUrl}/v1/appliances`);
  if (r.status !== 200) throw new Error(`GET /v1/appliances: ${r.status}`);
  return (JSON.parse(r.text) as { appliances: ApplianceView[] }).appliances;
}

/** Waits until `count` appliances are healthy, each with routes and files. */
export async function waitHealthy(controlUrl: string, count: number, timeoutMs: number): Promise<void> {
  let last = '';
  try {
    await waitUntil(
      async () => {
        const all = await listAppliances(controlUrl);
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

export async function steerOnce(baseUrl: string, body: string, xff: string): Promise<SteerCheck> {
  return call(`${baseUrl}/v1/steer`, { method: 'POST', body, headers: { 'x-forwarded-for': xff } });
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
  const r = await call(`${controlUrl}/metrics`);
  if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
  return {
    decisions: parseDecisions(r.text),
    loopP99Ms: gaugeMs(r.text, 'nodejs_eventloop_lag_p99_seconds'),
    loopMaxMs: gaugeMs(r.text, 'nodejs_eventloop_lag_max_seconds'),
  };
}

interface EventView {
  kind: string;
  applianceId?: string;
  to?: string;
  reason?: string;
}

/** Health transitions out of `healthy` since `sinceMs`, counted by reason (digits folded). */
export async function healthLosses(controlUrl: string, sinceMs: number): Promise<Map<string, number>> {
  const r = await call(`${controlUrl}/v1/events?since=${sinceMs}&limit=10000`);
  if (r.status !== 200) throw new Error(`GET /v1/events: ${r.status}`);
  const byReason = new Map<string, number>();
  for (const ev of (JSON.parse(r.text) as { events: EventView[] }).events) {
    if (ev.kind !== 'health' || ev.to === 'healthy') continue;
    const reason = `${ev.to}: ${(ev.reason ?? '').replace(/\d+(\.\d+)?/g, 'N')}`;
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  return byReason;
}
