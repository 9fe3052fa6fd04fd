// The filler (DESIGN flow 5): makes the store hold what the manifest says. Each tick (every
// second, and at once when something changed) it compares the manifest with the store
// (plan.ts), starts downloads of missing files up to the concurrency while the fill window
// is open, and hands unwanted files to the evictor. One file's sources are tried in the
// manifest's order (peers, parents, origin); a source that fails, stalls or sends bytes
// whose sha256 does not match gives way to the next; a file none could deliver waits with
// backoff. Only a verified partial is committed to the store: nothing else is ever served.
import type { FillManifest, FillReport, FillSource, ManifestFile } from '@ferry/protocol';
import type { Logger } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import type { ContentStore } from '../store/store.js';
import { download } from './download.js';
import { Evictor } from './evictor.js';
import { FillOutcomes } from './outcomes.js';
import { type FillPlan, type HeldVersion, nextToStart, planFill, stalePartials } from './plan.js';
import { RateCap, RateMeter } from './rate.js';
import type { FillSettings } from './settings.js';
import { type SourceOpener, sourceName } from './source.js';
import { windowOpen } from './window.js';

const TICK_MS = 1000;

export interface FillerOptions {
  settings: FillSettings;
  store: ContentStore;
  sources: SourceOpener;
  /** bodies in flight per file: eviction waits for none */
  inFlight(id: string): number;
  metrics: Pick<ApplianceMetrics, 'fillBytes' | 'fillFiles' | 'evictions'>;
  logger: Logger;
  /** source URLs expired: ask control for a new manifest */
  refreshManifest?(): void;
  now?: () => number;
  random?: () => number;
}

interface Running {
  file: ManifestFile;
  source: string | null;
  bytes: number;
  startedAtMs: number;
  ac: AbortController;
}

export class Filler {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly rate: RateCap;
  private readonly meter: RateMeter;
  private readonly evictor: Evictor;
  private readonly running = new Map<string, Running>();
  private readonly outcomes: FillOutcomes;
  private readonly tasks = new Set<Promise<void>>();
  private manifest: FillManifest | undefined;
  /** the manifest's files: id → sha256 of the version wanted */
  private wanted = new Map<string, string>();
  private planCache: FillPlan | undefined;
  private timer: NodeJS.Timeout | undefined;
  private kicked = false;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: FillerOptions) {
    this.log = opts.logger.child({ part: 'fill' });
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.rate = new RateCap(opts.settings.rateBytesPerSec);
    this.meter = new RateMeter(5, this.now);
    this.outcomes = new FillOutcomes({
      metrics: opts.metrics,
      logger: this.log,
      retryBaseMs: opts.settings.retryBaseMs,
      now: this.now,
      random: this.random,
    });
    this.evictor = new Evictor({
      graceMs: opts.settings.evictGraceSec * 1000,
      store: opts.store,
      inFlight: opts.inFlight,
      onEvicted: () => opts.metrics.evictions.inc(),
      logger: this.log,
      now: this.now,
    });
    // What the store holds decides the plan; any change there may change it.
    this.unsubscribe = opts.store.onChange(() => {
      this.planCache = undefined;
    });
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.log.info(
      {
        window: this.opts.settings.window,
        rateBytesPerSec: this.rate.bytesPerSec,
        concurrency: this.opts.settings.concurrency,
        evictGraceSec: this.opts.settings.evictGraceSec,
      },
      'fill started',
    );
  }

  /** Stops every download (their partials stay, to resume at the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe();
    for (const r of this.running.values()) r.ac.abort(new Error('fill stopping'));
    await Promise.allSettled([...this.tasks]);
    await this.evictor.settled();
  }

  /** A manifest from control (a new version). */
  setManifest(m: FillManifest): void {
    this.manifest = m;
    this.planCache = undefined;
    this.outcomes.forgetFailures();
    this.wanted = new Map(m.files.map((f) => [f.fileId, f.sha256]));
    for (const r of this.running.values()) {
      if (!this.stillWanted(r.file)) r.ac.abort(new Error('no longer wanted'));
    }
    this.removeStalePartials();
    this.kick();
  }

  windowOpen(): boolean {
    return windowOpen(this.opts.settings.window, new Date(this.now()));
  }

  /** Bytes of wanted files not held yet, less what their partials already have. */
  bytesToGo(): number {
    const plan = this.plan();
    if (!plan) return 0;
    let n = 0;
    for (const f of plan.missing) n += Math.max(0, f.size - (this.running.get(f.fileId)?.bytes ?? 0));
    return n;
  }

  /** FillReport for a heartbeat; the corrupt sources it lists are handed over (restore() puts them back). */
  take(): FillReport {
    const report = this.snapshot();
    this.outcomes.takeCorrupt();
    return report;
  }

  restore(sent: FillReport): void {
    this.outcomes.restoreCorrupt(sent.corrupt);
  }

  snapshot(): FillReport {
    const plan = this.plan();
    return {
      manifestVersion: this.manifest?.version ?? null,
      wanted: plan ? plan.missing.length + plan.heldWanted : 0,
      held: plan?.heldWanted ?? 0,
      filling: this.running.size,
      failed: this.outcomes.failedCount(this.running),
      bytesToGo: this.bytesToGo(),
      bytesPerSec: Math.round(this.meter.rate()),
      window: this.windowOpen() ? 'open' : 'closed',
      corrupt: this.outcomes.corruptPending(),
      errors: this.outcomes.errors(),
    };
  }

  /** The `fill` part of /v1/status, less what the manifest poller adds. */
  status(): Record<string, unknown> {
    const r = this.snapshot();
    return {
      ...r,
      rateBytesPerSec: this.rate.bytesPerSec,
      concurrency: this.opts.settings.concurrency,
      evictGraceSec: this.opts.settings.evictGraceSec,
      downloads: [...this.running.values()].map((d) => ({
        fileId: d.file.fileId,
        source: d.source,
        bytes: d.bytes,
        size: d.file.size,
        startedAtMs: d.startedAtMs,
      })),
      failedFiles: this.outcomes.failedFiles(),
      evicting: this.evictor.status(),
    };
  }

  private plan(): FillPlan | undefined {
    if (!this.manifest) return undefined;
    this.planCache ??= planFill(this.manifest, this.heldVersions());
    return this.planCache;
  }

  private heldVersions(): Map<string, HeldVersion> {
    const held = new Map<string, HeldVersion>();
    for (const f of this.opts.store.list())
      if (!f.missing) held.set(f.id, { sha256: f.sha256, size: f.size });
    return held;
  }

  /** A tick soon (coalesced), rather than at the next second. */
  private kick(): void {
    if (this.kicked || this.stopped) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.tick();
    });
  }

  private tick(): void {
    if (this.stopped) return;
    const plan = this.plan();
    if (!plan) return;
    this.evictor.update(plan.unwanted);
    void this.evictor.run();
    if (!this.windowOpen()) return;
    const slots = this.opts.settings.concurrency - this.running.size;
    if (slots <= 0) return;
    const busy = new Set(this.running.keys());
    for (const f of nextToStart(plan.missing, busy, this.outcomes.retryAt(), this.now(), slots)) {
      this.startFile(f);
    }
  }

  private startFile(file: ManifestFile): void {
    const run: Running = { file, source: null, bytes: 0, startedAtMs: this.now(), ac: new AbortController() };
    this.running.set(file.fileId, run);
    const task = this.fillOne(run)
      .catch((err: unknown) => {
        this.log.error({ err, file: file.fileId }, 'fill: unexpected failure');
        this.outcomes.failedRound(file, err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        this.running.delete(file.fileId);
        this.tasks.delete(task);
        if (!this.stillWanted(file)) this.dropPartialOf(file);
        this.kick();
      });
    this.tasks.add(task);
  }

  private async fillOne(run: Running): Promise<void> {
    const { file } = run;
    const expired = (this.manifest?.sourcesExpireAt ?? 0) * 1000 <= this.now();
    for (const source of file.sources) {
      const name = sourceName(source);
      if (source.kind !== 'origin' && expired) {
        this.outcomes.sourceFailed(file, name, 'source URL expired');
        this.opts.refreshManifest?.();
        continue;
      }
      const outcome = await this.trySource(run, source, name);
      if (outcome === 'done') return;
    }
    this.outcomes.failedRound(
      file,
      file.sources.length === 0 ? 'the manifest names no source' : 'every source failed',
    );
  }

  /** One source, from the partial (and once more from byte 0 when resumed bytes did not verify). */
  private async trySource(run: Running, source: FillSource, name: string): Promise<'done' | 'next'> {
    const { file } = run;
    for (let fresh = false; ; fresh = true) {
      if (run.ac.signal.aborted) return 'done';
      const partial = this.opts.store.partialFor(file.fileId, file.sha256);
      run.source = name;
      run.bytes = fresh ? 0 : Math.min(partial.length, file.size);
      const r = await download({
        file,
        source,
        partial,
        sources: this.opts.sources,
        rate: this.rate,
        windowOpen: () => this.windowOpen(),
        stallMs: this.opts.settings.stallTimeoutMs,
        signal: run.ac.signal,
        fresh,
        onBytes: (n) => {
          run.bytes += n;
          this.meter.add(n);
          this.opts.metrics.fillBytes.inc({ source_kind: source.kind }, n);
        },
      });
      switch (r.kind) {
        case 'complete':
          try {
            await this.opts.store.commitPartial(partial, { size: r.size, sha256: r.sha256 });
          } catch (err) {
            this.outcomes.sourceFailed(
              file,
              name,
              `commit: ${err instanceof Error ? err.message : String(err)}`,
            );
            return 'next';
          }
          this.outcomes.filled(file, {
            source: name,
            resumedFrom: r.resumedFrom,
            ms: this.now() - run.startedAtMs,
          });
          return 'done';
        case 'paused':
          this.log.info({ file: file.fileId, bytes: r.length }, 'fill: window closed, download paused');
          return 'done';
        case 'stopped':
          return 'done';
        case 'corrupt':
          // Bytes resumed from an earlier run (another source, a crash) may be what is wrong:
          // this source gets one full try before it is blamed.
          if (r.resumedFrom > 0 && !fresh) continue;
          this.outcomes.corrupt(file, name, r.sha256);
          return 'next';
        case 'error':
          this.outcomes.sourceFailed(file, name, r.error);
          return 'next';
      }
    }
  }

  private stillWanted(file: ManifestFile): boolean {
    return this.wanted.get(file.fileId) === file.sha256;
  }

  private dropPartialOf(file: ManifestFile): void {
    for (const p of this.opts.store.partials()) {
      if (p.id === file.fileId && p.name === `${file.fileId}+${file.sha256.slice(0, 16)}`)
        this.opts.store.removePartial(p);
    }
  }

  /** Partials no wanted file will resume, except those a running download still writes. */
  private removeStalePartials(): void {
    if (!this.manifest) return;
    const partials = this.opts.store.partials();
    const stale = new Set(
      stalePartials(
        partials.map((p) => p.name),
        this.manifest,
      ),
    );
    for (const p of partials) {
      if (!stale.has(p.name) || this.running.has(p.id)) continue;
      this.opts.store.removePartial(p);
      this.log.info(
        { partial: p.name, disk: p.disk, bytes: p.length },
        'fill: removed a partial no longer wanted',
      );
    }
  }
}
