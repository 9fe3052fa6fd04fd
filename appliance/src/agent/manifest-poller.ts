// Asks control what this appliance should hold (DESIGN flow 5): `GET
// /v1/appliances/{id}/manifest`, signed with the identity key exactly as heartbeats are
// (method GET, an empty body), at start and every interval after (with jitter, so a fleet
// restarted together does not ask in step), and at once when the filler asks (its source
// URLs expired). A manifest is checked against FillManifest and must name this appliance;
// one of a version already held changes nothing. Control unreachable or a bad answer keeps
// the manifest held: the filler goes on with what it knows.
import type { KeyObject } from 'node:crypto';
import { FillManifest, signRequest } from '@ferry/protocol';
import { Value } from 'typebox/value';
import { Agent, request } from 'undici';
import type { Logger } from '../ops/logger.js';

export interface ManifestPollerOptions {
  controlUrl: string;
  applianceId: string;
  identityKey: KeyObject;
  intervalMs: number;
  logger: Logger;
  onManifest(m: FillManifest): void;
  /** one request's time limit (default 30 s: a manifest of a million files is tens of MB) */
  timeoutMs?: number;
  random?: () => number;
}

export interface ManifestPollerStatus {
  url: string;
  version: number | null;
  generatedAtMs: number | null;
  /** when the manifest held was received; null before the first */
  receivedAtMs: number | null;
  lastAttemptMs: number | null;
  lastError: string | null;
  consecutiveFailures: number;
}

export class ManifestPoller {
  private readonly url: string;
  private readonly signedPath: string;
  private readonly dispatcher = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  private readonly log: Logger;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: AbortController | undefined;
  private current: Promise<void> | undefined;
  private held: { version: number; generatedAtMs: number; receivedAtMs: number } | undefined;
  private lastAttemptMs: number | null = null;
  private lastError: string | null = null;
  private failures = 0;

  constructor(private readonly opts: ManifestPollerOptions) {
    const base = opts.controlUrl.replace(/\/+$/, '');
    this.url = `${base}/v1/appliances/${encodeURIComponent(opts.applianceId)}/manifest`;
    const parsed = new URL(this.url);
    this.signedPath = parsed.pathname + parsed.search;
    this.log = opts.logger.child({ part: 'manifest' });
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Asks again now (unless a request is on its way). */
  refreshNow(): void {
    if (!this.running || this.inFlight) return;
    clearTimeout(this.timer);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.inFlight?.abort(new Error('stopping'));
    await this.current;
    await this.dispatcher.close();
  }

  status(): ManifestPollerStatus {
    return {
      url: this.url,
      version: this.held?.version ?? null,
      generatedAtMs: this.held?.generatedAtMs ?? null,
      receivedAtMs: this.held?.receivedAtMs ?? null,
      lastAttemptMs: this.lastAttemptMs,
      lastError: this.lastError,
      consecutiveFailures: this.failures,
    };
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.current = this.poll();
    }, ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.lastAttemptMs = Date.now();
    try {
      const m = await this.fetch();
      if (this.failures > 0) this.log.info({ failures: this.failures }, 'manifest: control answers again');
      this.failures = 0;
      this.lastError = null;
      if (m.version !== this.held?.version) {
        this.log.info(
          { version: m.version, files: m.files.length, drop: m.drop.length },
          'manifest received',
        );
        this.held = { version: m.version, generatedAtMs: m.generatedAtMs, receivedAtMs: Date.now() };
        this.opts.onManifest(m);
      }
    } catch (err) {
      if (!this.running) return;
      this.failures++;
      this.lastError = err instanceof Error ? err.message : String(err);
      if (this.failures === 1)
        this.log.warn({ err: this.lastError }, 'manifest: could not get it from control');
    } finally {
      this.inFlight = undefined;
    }
    // Between 90 % and 110 % of the interval.
    if (this.running) this.schedule(this.opts.intervalMs * (0.9 + 0.2 * this.random()));
  }

  private async fetch(): Promise<FillManifest> {
    const ac = new AbortController();
    this.inFlight = ac;
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const timeout = setTimeout(
      () => ac.abort(new Error(`control did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      // Signed per request, as heartbeats are: a fresh nonce and time each time.
      const authorization = signRequest(
        { method: 'GET', path: this.signedPath, body: '' },
        { id: this.opts.applianceId, key: this.opts.identityKey },
      );
      const res = await request(this.url, {
        method: 'GET',
        headers: { authorization, accept: 'application/json' },
        dispatcher: this.dispatcher,
        signal: ac.signal,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200)
        throw new Error(`control answered ${res.statusCode}: ${text.slice(0, 200)}`);
      const parsed: unknown = JSON.parse(text);
      if (!Value.Check(FillManifest, parsed))
        throw new Error('control sent a manifest that is not a FillManifest');
      if (parsed.applianceId !== this.opts.applianceId)
        throw new Error(`control sent the manifest of ${parsed.applianceId.slice(0, 64)}`);
      return parsed;
    } finally {
      clearTimeout(timeout);
    }
  }
}
