// What the bench reads from an appliance's /metrics (admin listener): its event-loop delay p99
// since the previous scrape, and the bytes its filler fetched per kind of source.
import { parseGauge } from '../dataplane/servers.js';

export async function scrapeMetrics(adminUrl: string): Promise<string | null> {
  try {
    const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

/** A labelled metric's samples summed per value of `label` (pure); {} when absent. */
export function sumByLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const labelRe = new RegExp(`(?:^|,)${label}="([^"]*)"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const value = Number(m[3]);
    const key = labelRe.exec(m[2]!)?.[1];
    if (key === undefined || !Number.isFinite(value)) continue;
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

export interface ApplianceSample {
  eventLoopP99Ms: number | null;
  /** `ferry_appliance_fill_bytes_total` by `source_kind` (origin, peer, parent) */
  fillBytes: Record<string, number>;
}

export function readSample(text: string | null): ApplianceSample {
  if (text === null) return { eventLoopP99Ms: null, fillBytes: {} };
  return {
    eventLoopP99Ms: parseGauge(text, 'ferry_event_loop_delay_p99_seconds', 1000),
    fillBytes: sumByLabel(text, 'ferry_appliance_fill_bytes_total', 'source_kind'),
  };
}
