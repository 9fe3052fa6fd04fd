// One health probe: GET the appliance's /healthz with a short timeout. Bytes and status
// only; what a result means is health/evaluate.ts's business.
import { Agent, request } from 'undici';

export interface ProbeResult {
  ok: boolean;
  /** HTTP status, absent when no answer came */
  status?: number;
  latencyMs: number;
  /** why the probe failed: 'timeout', 'ECONNREFUSED', 'status 503', … */
  error?: string;
}

export interface ProbeOptions {
  baseUrl: string;
  timeoutMs: number;
  dispatcher: Agent;
}

/** A connection pool for probes, with connect and header timeouts as short as the probe's. */
export function createProbeAgent(timeoutMs: number): Agent {
  return new Agent({
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 10_000,
    connections: 2,
  });
}

export async function probeHealthz(opts: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const url = `${opts.baseUrl.replace(/\/$/, '')}/healthz`;
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher: opts.dispatcher,
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: { 'user-agent': 'ferry-control-probe' },
    });
    // The body is drained so the connection goes back to the pool.
    await res.body.dump();
    const latencyMs = performance.now() - started;
    if (res.statusCode === 200) return { ok: true, status: res.statusCode, latencyMs };
    return { ok: false, status: res.statusCode, latencyMs, error: `status ${res.statusCode}` };
  } catch (err) {
    const e = err as { code?: string; name?: string; message?: string };
    const error =
      e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.code ?? e.message ?? 'error');
    return { ok: false, latencyMs: performance.now() - started, error };
  }
}
