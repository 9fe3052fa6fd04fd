// What happened to the filler's downloads, kept for reports: each outcome is counted
// (ferry_appliance_fill_files_total), logged, and kept where control and operators read it —
// corrupt sources until the next heartbeat takes them, the last errors newest first, and the
// files whose every source failed with the time of their next try (backoff, plan.ts).
import type { FillReport, ManifestFile } from '@ferry/protocol';
import type { Logger } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import { retryDelayMs } from './plan.js';

const MAX_ERRORS = 32;
const MAX_CORRUPT = 256;

type FillError = FillReport['errors'][number];

export interface Failure {
  rounds: number;
  retryAtMs: number;
  lastError: string;
}

export interface FillOutcomesOptions {
  metrics: Pick<ApplianceMetrics, 'fillFiles'>;
  logger: Logger;
  retryBaseMs: number;
  now: () => number;
  random: () => number;
}

export class FillOutcomes {
  private readonly failures = new Map<string, Failure>();
  private corruptSinceTake: FillReport['corrupt'] = [];
  private errorsNewestFirst: FillError[] = [];

  constructor(private readonly opts: FillOutcomesOptions) {}

  filled(file: ManifestFile, detail: { source: string; resumedFrom: number; ms: number }): void {
    this.failures.delete(file.fileId);
    this.opts.metrics.fillFiles.inc({ result: 'filled' });
    this.opts.logger.info(
      { file: file.fileId, bytes: file.size, ...detail },
      'fill: file verified and servable',
    );
  }

  corrupt(file: ManifestFile, source: string, got: string): void {
    this.opts.metrics.fillFiles.inc({ result: 'corrupt' });
    if (this.corruptSinceTake.length < MAX_CORRUPT)
      this.corruptSinceTake.push({ fileId: file.fileId, source });
    this.push(file, source, `sha256 mismatch: got ${got.slice(0, 64)}, expected ${file.sha256}`);
    this.opts.logger.warn(
      { file: file.fileId, source, expected: file.sha256, got },
      'fill: source sent corrupt bytes',
    );
  }

  sourceFailed(file: ManifestFile, source: string, error: string): void {
    this.opts.metrics.fillFiles.inc({ result: 'error' });
    this.push(file, source, error);
    this.opts.logger.info({ file: file.fileId, source, error }, 'fill: source failed, trying the next');
  }

  /** Every source of the file failed: it waits, longer each round, before the next try. */
  failedRound(file: ManifestFile, why: string): void {
    const rounds = (this.failures.get(file.fileId)?.rounds ?? 0) + 1;
    const delay = retryDelayMs(rounds, this.opts.retryBaseMs, this.opts.random);
    const lastError = this.errorsNewestFirst.find((e) => e.fileId === file.fileId)?.error ?? why;
    this.failures.set(file.fileId, { rounds, retryAtMs: this.opts.now() + delay, lastError });
    this.opts.metrics.fillFiles.inc({ result: 'failed' });
    this.opts.logger.warn(
      { file: file.fileId, rounds, retryInMs: Math.round(delay), why, lastError },
      'fill: file failed',
    );
  }

  /** A new manifest: new sources and tokens, so every failed file gets a fresh chance. */
  forgetFailures(): void {
    this.failures.clear();
  }

  retryAt(): Map<string, number> {
    return new Map([...this.failures].map(([id, f]) => [id, f.retryAtMs]));
  }

  /** Files waiting for a retry, those being tried again now left out. */
  failedCount(running: ReadonlyMap<string, unknown>): number {
    let n = 0;
    for (const id of this.failures.keys()) if (!running.has(id)) n++;
    return n;
  }

  failedFiles(limit = 100): ({ fileId: string } & Failure)[] {
    return [...this.failures].slice(0, limit).map(([fileId, f]) => ({ fileId, ...f }));
  }

  corruptPending(): FillReport['corrupt'] {
    return [...this.corruptSinceTake];
  }

  errors(): FillError[] {
    return [...this.errorsNewestFirst];
  }

  /** Hands the corrupt sources over to a heartbeat. */
  takeCorrupt(): void {
    this.corruptSinceTake = [];
  }

  /** That heartbeat failed: they go into the next one. */
  restoreCorrupt(sent: FillReport['corrupt']): void {
    this.corruptSinceTake = [...sent, ...this.corruptSinceTake].slice(0, MAX_CORRUPT);
  }

  private push(file: ManifestFile, source: string, error: string): void {
    this.errorsNewestFirst = [
      { fileId: file.fileId, source, error: error.slice(0, 256) },
      ...this.errorsNewestFirst,
    ].slice(0, MAX_ERRORS);
  }
}
