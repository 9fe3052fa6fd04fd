// The phases of a shared store as the write-behind layer (resilient-store.ts) sees them, and
// the way back: a probe with backoff while the store is away, then the write-back of what
// was held, or a re-seed of everything the model holds when the store came back without the
// data set this instance wrote to. Each phase is logged: lost, still away (with the number
// held), back, re-seeded, caught up (with the time it took).
import { randomUUID } from 'node:crypto';
import type { StoreLogger } from './change-feed.js';
import type { PendingWrites } from './pending-writes.js';
import type { StateChange, StateStore } from './store.js';
import type { StoreLink } from './store-link.js';
import { everyHeldKey, type HeldState, writeBackKey } from './write-back.js';

export type StorePhase = 'up' | 'down' | 'catching-up';

export interface StoreStatus {
  up: boolean;
  phase: StorePhase;
  /** held changes not yet in the store */
  buffered: number;
  droppedEvents: number;
  /** ms since epoch the store was last lost, if ever */
  lostAtMs?: number;
  /** how long the last write-back took */
  lastCatchUpMs?: number;
  reseeds: number;
}

const PROBE_FIRST_MS = 250;
/**
 * While up, the data-set marker is read this often: a FLUSHALL, or a restart ioredis
 * reconnected through between two writes, shows no error on any write.
 */
const MARKER_CHECK_MS = 5000;
const PROBE_MAX_MS = 5000;
/** One "still away" line per this many failed probes (about every 40 s at the cap). */
const LOG_EVERY_PROBES = 8;
/**
 * Write-back passes before giving the store back: each pass writes what was held when it
 * began; heartbeats held meanwhile are few, so passes shrink fast and the bound is seldom hit.
 */
const MAX_PASSES = 5;

export interface StoreRecoveryOptions {
  inner: StateStore;
  link: StoreLink;
  held: HeldState;
  pending: PendingWrites;
  logger: StoreLogger & { info(obj: object, msg: string): void };
  announce(change: StateChange): void;
}

export class StoreRecovery {
  phase: StorePhase = 'up';
  private dataset: string | undefined;
  private lostAtMs: number | undefined;
  private lastCatchUpMs: number | undefined;
  private reseeds = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** an attempt came due while another ran: run once more after it */
  private rerun = false;
  private stopped = false;
  private unlisten: (() => void) | undefined;
  private markerTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: StoreRecoveryOptions) {}

  async start(): Promise<void> {
    this.dataset = await this.opts.link.dataset();
    // A reconnect may follow a restart the writes never noticed: check the data set then too.
    this.unlisten = this.opts.link.onReconnect(() => this.schedule(0, 0));
    this.markerTimer = setInterval(() => {
      if (this.phase === 'up') void this.attempt(0);
    }, MARKER_CHECK_MS);
    this.markerTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.markerTimer);
    this.unlisten?.();
    const held = this.opts.pending.size;
    if (held > 0) this.opts.logger.warn({ held }, 'closing with changes the state store never got');
  }

  status(): Omit<StoreStatus, 'buffered' | 'droppedEvents'> {
    return {
      up: this.phase === 'up',
      phase: this.phase,
      reseeds: this.reseeds,
      ...(this.lostAtMs !== undefined ? { lostAtMs: this.lostAtMs } : {}),
      ...(this.lastCatchUpMs !== undefined ? { lastCatchUpMs: this.lastCatchUpMs } : {}),
    };
  }

  /** A call failed for want of the store: hold writes from now on and start probing. */
  lost(err: unknown, during: string): void {
    if (this.phase === 'down') return;
    const was = this.phase;
    this.phase = 'down';
    this.lostAtMs = Date.now();
    this.opts.logger.warn(
      { err, during, was, held: this.opts.pending.size },
      'state store lost: taking writes in memory, steering from memory',
    );
    this.schedule(PROBE_FIRST_MS, 0);
  }

  private schedule(delayMs: number, attempt: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(attempt), delayMs);
    this.timer.unref();
  }

  private async attempt(attempt: number): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    try {
      const dataset = await this.opts.link.dataset();
      const reseed = dataset === undefined || dataset !== this.dataset;
      if (this.phase === 'up' && !reseed) return;
      await this.catchUp(reseed);
    } catch (err) {
      if (this.stopped) return;
      // A check while up that finds no answer is how the store is lost without a write.
      if (this.phase === 'up') return this.lost(err, 'data-set check');
      this.phase = 'down';
      const held = this.opts.pending.size;
      if (attempt % LOG_EVERY_PROBES === 0) {
        this.opts.logger.warn({ err, attempt, held }, `state store still away; buffering ${held} changes`);
      }
      this.schedule(Math.min(PROBE_MAX_MS, PROBE_FIRST_MS * 2 ** Math.min(attempt + 1, 10)), attempt + 1);
    } finally {
      this.running = false;
      if (this.rerun && !this.stopped) {
        this.rerun = false;
        // While up (a reconnect during a check) at once; while down on the probe's backoff.
        if (this.phase === 'up') this.schedule(0, 0);
        else this.schedule(PROBE_FIRST_MS, attempt + 1);
      }
    }
  }

  private async catchUp(reseed: boolean): Promise<void> {
    const { logger, pending } = this.opts;
    const started = Date.now();
    this.phase = 'catching-up';
    logger.info(
      { held: pending.size, reseed, awayMs: this.lostAtMs === undefined ? 0 : started - this.lostAtMs },
      reseed
        ? 'state store back without our data set; re-seeding from memory'
        : 'state store back; writing back',
    );
    if (reseed) {
      const counts = await this.reseed();
      this.dataset = await this.opts.link.claimDataset(randomUUID());
      this.reseeds++;
      logger.info({ ...counts, dataset: this.dataset }, 'state store re-seeded from memory');
    }
    let written = 0;
    for (let pass = 0; pass < MAX_PASSES && pending.size > 0; pass++) written += await this.drain();
    if (pending.size > 0) throw new Error(`${pending.size} changes still held after ${MAX_PASSES} passes`);
    // Synchronously after the check above: no write can be held between it and this line.
    this.phase = 'up';
    this.lastCatchUpMs = Date.now() - started;
    logger.info({ ms: this.lastCatchUpMs, written }, `state store caught up in ${this.lastCatchUpMs} ms`);
  }

  /** Everything the model holds, by the write-back rules (an empty store takes all of it). */
  private async reseed(): Promise<Record<string, number>> {
    const { inner, held, pending } = this.opts;
    const counts: Record<string, number> = { appliance: 0, routes: 0, inventory: 0, catalog: 0 };
    for (const change of everyHeldKey(held)) {
      const result = await writeBackKey(inner, held, change, {
        catalogOnlyIfMissing: !pending.holds(change),
      });
      if (result === 'written') counts[change.kind] = (counts[change.kind] ?? 0) + 1;
      if (result === 'theirs-newer') this.opts.announce(change);
    }
    return counts;
  }

  /** One pass over what was held at its start; returns the number of writes. */
  private async drain(): Promise<number> {
    const { inner, held, pending } = this.opts;
    let written = 0;
    for (const key of pending.heldKeys()) {
      const result = await writeBackKey(inner, held, key.change);
      pending.written(key);
      if (result === 'written') written++;
      if (result === 'theirs-newer') this.opts.announce(key.change);
    }
    const events = pending.takeEvents();
    for (let i = 0; i < events.length; i++) {
      try {
        await inner.appendEvent(events[i] as NonNullable<(typeof events)[number]>);
      } catch (err) {
        pending.putBackEvents(events.slice(i));
        throw err;
      }
    }
    return written + events.length;
  }
}
